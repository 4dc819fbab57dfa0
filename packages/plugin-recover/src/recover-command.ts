import { defineCommand, isStructured, printReport } from '@ktctl/plugin-api';

/** `ktctl recover <svc>` */
export const recoverCommand = defineCommand({
  name: 'recover',
  description:
    'Put a Service back the way it was after a killed exchange or mesh (selector, replicas, router/stuntman and shadow leftovers)',
  positionals: [
    {
      name: 'target',
      required: true,
      description: 'The Service: <svc>, svc/<name>, or deployment/<name> / pod/<name> (the Service selecting it)',
    },
  ],
  examples: [['ktctl recover web', 'restore Service web after a ktctl exchange was killed']],
  async handler(ctx) {
    const { clientFromFlags } = await import('@ktctl/kube');
    const { recover, describeRecoverAction } = await import('@ktctl/traffic/recover');
    const client = clientFromFlags(ctx.options);
    const result = await recover(client, String(ctx.args.target ?? ''), describeRecoverAction).finally(() => client.close());
    if (isStructured(ctx.options)) {
      const { service, namespace, done, notes, failures } = result;
      printReport(
        ctx,
        { service, namespace, recovered: done.length > 0, done: [...done], notes: [...notes], failures: [...failures] },
        () => '',
      );
      return failures.length ? 1 : 0;
    }
    for (const line of result.done) ctx.logger.info(`Recovered: ${line}`);
    for (const note of result.notes) ctx.logger.warn(note);
    for (const failure of result.failures) ctx.logger.warn(failure);
    if (!result.done.length && !result.failures.length)
      ctx.logger.info(`Service ${result.service} in namespace ${result.namespace} was not redirected by ktctl; nothing to do`);
    return result.failures.length ? 1 : 0;
  },
});
