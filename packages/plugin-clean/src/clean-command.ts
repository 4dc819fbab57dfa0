import { defineCommand, isStructured, printReport } from '@ktctl/plugin-api';
import { STALE_AFTER_SECONDS } from '@ktctl/traffic/stale';
// Type-only: brings in the netplatform service on the handler context, loads nothing at run time.
import type {} from '@ktctl/access/connect';

/** `ktctl clean`: only what is stale, judged by heartbeat in cluster time; never a live user's objects. */
export const cleanCommand = defineCommand({
  name: 'clean',
  description: 'Remove what dead ktctl runs left behind: stale shadow pods, redirected Services, laptop DNS/routes/firewall changes',
  flags: [
    {
      name: 'thresholdInMinus',
      type: 'number',
      default: STALE_AFTER_SECONDS / 60,
      min: 0,
      description: 'Minutes without a heartbeat (cluster time) after which an object is stale',
    },
    { name: 'dryRun', type: 'boolean', default: false, configurable: false, description: 'Print what would be done, change nothing' },
    { name: 'localOnly', type: 'boolean', default: false, configurable: false, description: 'Only clean this machine, not the cluster' },
  ],
  async handler(ctx) {
    const { dryRun, localOnly, thresholdInMinus } = ctx.options;
    const { cleanLaptop, planClusterClean, applyClusterClean, describeCleanAction } = await import('@ktctl/traffic/clean');
    // --dryRun -o json|yaml: the laptop's lines and the cluster's actions gathered into one report.
    const structured = dryRun && isStructured(ctx.options);
    const laptop: string[] = [];
    const print = structured ? (line: string) => void laptop.push(line.replace(/^would /, '')) : ctx.print;
    await cleanLaptop({ platform: () => ctx.services.netplatform(), logger: ctx.logger, print, env: ctx.env }, dryRun);
    if (localOnly && structured) return printReport(ctx, { dryRun: true, laptop, cluster: null }, () => '');
    if (localOnly) return;
    const { clientFromFlags } = await import('@ktctl/kube');
    const client = clientFromFlags(ctx.options);
    const actions = await planClusterClean(client, thresholdInMinus * 60);
    if (structured) {
      const cluster = actions.map((a) => ({
        ...(JSON.parse(JSON.stringify(a)) as Record<string, never>),
        description: describeCleanAction(a),
      }));
      printReport(ctx, { dryRun: true, namespace: client.namespace, thresholdSeconds: thresholdInMinus * 60, laptop, cluster }, () => '');
      return;
    }
    if (dryRun) {
      for (const action of actions) ctx.print(`would ${describeCleanAction(action)}`);
      if (!actions.length) ctx.print(`# nothing stale in namespace ${client.namespace}`);
      return;
    }
    const failures = await applyClusterClean(client, actions, (action) => ctx.logger.info(`Done: ${describeCleanAction(action)}`));
    if (!actions.length) ctx.logger.info(`Nothing stale in namespace ${client.namespace}`);
    for (const failure of failures) ctx.logger.warn(`Could not ${failure}`);
    return failures.length ? 1 : 0;
  },
});
