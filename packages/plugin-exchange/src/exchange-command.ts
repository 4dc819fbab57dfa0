import { defineCommand, printReadyEvent, progressReporter, runUntilStopped, type CommandContext } from '@ktctl/plugin-api';
import type { ExchangeMode, TrafficEvent } from '@ktctl/traffic/exchange';

function describeEvent(ctx: CommandContext, progress: (step: string, detail: string) => void, event: TrafficEvent): void {
  if (event.kind === 'progress') return progress(event.step, event.detail);
  if (event.status !== 'closed')
    ctx.runState?.update({ state: event.status, detail: event.status === 'connected' ? undefined : event.detail });
  if (event.status === 'connected') ctx.logger.info(`Tunnel: connected (${event.detail})`);
  else if (event.status !== 'closed') ctx.logger.warn(`Tunnel: ${event.detail}`);
}

/** `ktctl exchange <svc> --expose ...` */
export const exchangeCommand = defineCommand({
  name: 'exchange',
  description: "Send a Service's cluster traffic to ports on this machine instead of its pods",
  positionals: [
    {
      name: 'target',
      required: true,
      description: 'The Service: <svc>, svc/<name>, service/<name>, or deployment/<name> / pod/<name> (the Service selecting it)',
    },
  ],
  flags: [
    {
      name: 'mode',
      type: 'string',
      default: 'selector',
      choices: ['selector', 'scale', 'ephemeral'],
      description:
        "selector: point the Service at a shadow pod; scale: the shadow takes the pods' labels and the Deployments are scaled to 0; ephemeral: not supported",
    },
    {
      name: 'expose',
      type: 'string',
      configurable: false,
      description:
        'Ports to expose: port or local:remote, comma separated. Remote ports are the Service TARGET ports (what the pods listen on), not the Service ports',
    },
    {
      name: 'recoverWaitTime',
      type: 'number',
      default: 120,
      min: 0,
      description: 'Scale mode: seconds to wait on exit for the Deployments to be ready again',
    },
    {
      name: 'skipPortChecking',
      type: 'boolean',
      default: false,
      description: 'Do not check that the local ports are listening before starting',
    },
  ],
  examples: [
    ['ktctl exchange web --expose 8080', 'cluster calls to Service web (target port 8080) reach localhost:8080'],
    ['ktctl exchange deployment/api --expose 3000:8080,9000', 'target port 8080 to local 3000, 9000 to 9000'],
    ['ktctl exchange web --mode scale --expose 8080', 'scale the Deployment to 0 instead of editing the Service'],
  ],
  async handler(ctx) {
    const { clientFromFlags } = await import('@ktctl/kube');
    const { exchange } = await import('@ktctl/traffic/exchange');
    const client = clientFromFlags(ctx.options);
    ctx.runState?.update({ state: 'starting', namespace: client.namespace, context: client.context, mode: ctx.options.mode });
    try {
      const progress = progressReporter(ctx.progress);
      const ex = await exchange(
        {
          target: String(ctx.args.target ?? ''),
          mode: ctx.options.mode as ExchangeMode,
          expose: ctx.options.expose ?? '',
          recoverWaitTime: ctx.options.recoverWaitTime,
          skipPortChecking: ctx.options.skipPortChecking,
          flags: ctx.options,
          version: ctx.version,
        },
        { client, logger: ctx.logger, onEvent: (e) => describeEvent(ctx, progress, e), signal: ctx.signal, env: ctx.env },
      );
      const ports = ex.ports.map((p) => `${p.remote} → localhost:${p.local}`).join(', ');
      const exposed = ex.ports.map((p) => ({ local: p.local, remote: p.remote }));
      ctx.runState?.update({
        state: 'connected',
        namespace: ex.namespace,
        service: ex.service,
        shadow: ex.shadow,
        mode: ex.mode,
        ports: exposed,
      });
      printReadyEvent(ctx, { namespace: ex.namespace, service: ex.service, mode: ex.mode, shadow: ex.shadow, ports: exposed });
      return await runUntilStopped(ctx, {
        ready: [`Service ${ex.service} in namespace ${ex.namespace} is exchanged (${ex.mode} mode, shadow ${ex.shadow}): ${ports}`],
        stopHint: 'Press Ctrl-C to end the exchange',
        failed: Promise.race([
          new Promise<void>((resolve) => ex.tunnel.on('status', (s: string) => s === 'failed' && resolve())),
          ex.lost.then((line) => ctx.logger.warn(line)),
        ]),
        closing: `Ending the exchange of ${ex.service}…`,
        close: () => ex.close(ctx.insist),
        retry: `"ktctl recover ${ex.service}"`,
        closed: `Service ${ex.service} is back to its own pods`,
      });
    } finally {
      client.close();
    }
  },
});
