import { defineCommand, printReadyEvent, progressReporter, runUntilStopped } from '@ktctl/plugin-api';
import { parseExpose } from '@ktctl/traffic/ports';
import { checkPreviewName } from './preview-name.js';

/** preview's own flags, as KtConnect named them. */
export const previewFlags = [
  {
    name: 'expose',
    type: 'string',
    configurable: false,
    description:
      'Ports to expose, comma separated: port or local:remote (e.g. 8080 or 3000:80,9000); remote is the Service port, which is also the target port on the shadow pod',
  },
  {
    name: 'external',
    type: 'boolean',
    default: false,
    description: 'Make a LoadBalancer Service (reachable from outside the cluster, where the cluster provides one)',
  },
  { name: 'skipPortChecking', type: 'boolean', default: false, description: 'Do not check that the local ports are listening' },
  { name: 'portNamePrefix', type: 'string', default: 'kt-', description: 'Prefix of the Service port names (kt-<port>)' },
] as const;

/** `ktctl preview <name> --expose ...` */
export const previewCommand = defineCommand({
  name: 'preview',
  description: 'Create a Service <name> in the cluster whose ports lead to programs on this machine, until Ctrl-C',
  positionals: [{ name: 'name', required: true, description: 'Name of the new Service (must not exist yet)' }],
  flags: previewFlags,
  examples: [
    ['ktctl preview demo --expose 8080', 'http://demo:8080 in the cluster reaches localhost:8080 here'],
    ['ktctl preview demo --expose 3000:80 --external', 'a LoadBalancer Service demo, port 80 → localhost:3000'],
  ],
  async handler(ctx) {
    const ports = parseExpose(ctx.options.expose, 'e.g. --expose 8080 (same port) or --expose 3000:80 (local 3000 behind Service port 80)');
    const name = checkPreviewName(String(ctx.args.name));
    const { clientFromFlags } = await import('@ktctl/kube');
    const { startPreview } = await import('@ktctl/traffic/preview');
    const client = clientFromFlags(ctx.options);
    ctx.runState?.update({ state: 'starting', namespace: client.namespace, context: client.context, service: name });
    try {
      const preview = await startPreview(
        {
          name,
          ports,
          external: ctx.options.external,
          skipPortChecking: ctx.options.skipPortChecking,
          portNamePrefix: ctx.options.portNamePrefix,
          flags: ctx.options,
          version: ctx.version,
        },
        {
          client,
          logger: ctx.logger,
          onProgress: progressReporter(ctx.progress),
          onTunnel: (status, detail) => {
            if (status !== 'closed') ctx.runState?.update({ state: status, detail: status === 'connected' ? undefined : detail });
            if (status === 'reconnecting' || status === 'failed') ctx.logger.warn(`Tunnel: ${detail}`);
            else ctx.logger.info(`Tunnel: ${detail}`);
          },
          signal: ctx.signal,
          env: ctx.env,
        },
      );
      const where = ports.map((p) => `${name}:${p.remote} → localhost:${p.local}`).join(', ');
      const exposed = ports.map((p) => ({ local: p.local, remote: p.remote }));
      ctx.runState?.update({ state: 'connected', namespace: preview.namespace, service: name, shadow: preview.shadowPod, ports: exposed });
      printReadyEvent(ctx, {
        namespace: preview.namespace,
        service: name,
        shadow: preview.shadowPod,
        clusterIP: preview.clusterIP ?? null,
        ports: exposed,
      });
      return await runUntilStopped(ctx, {
        ready: [
          `Previewing: service ${name}${preview.clusterIP ? ` (${preview.clusterIP})` : ''} in namespace ${preview.namespace}, through shadow pod ${preview.shadowPod}: ${where}`,
        ],
        stopHint: 'Press Ctrl-C to stop',
        closing: 'Removing the preview…',
        close: () => preview.close(),
        retry: '"ktctl clean"',
      });
    } finally {
      client.close();
    }
  },
});
