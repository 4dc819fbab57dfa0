import { defineCommand, printReadyEvent, progressReporter, runUntilStopped, type CommandContext } from '@ktctl/plugin-api';
import type { Mesh, MeshEvent, MeshMode } from '@ktctl/traffic/mesh';

function describeEvent(ctx: CommandContext, progress: (step: string, detail: string) => void, event: MeshEvent): void {
  if (event.kind === 'progress') return progress(event.step, event.detail);
  if (event.kind === 'status' && event.status !== 'closed')
    ctx.runState?.update({ state: event.status, detail: event.status === 'connected' ? undefined : event.detail });
  if (event.kind === 'router') (event.state === 'router-lost' ? ctx.logger.warn : ctx.logger.info)(`Router: ${event.detail}`);
  else if (event.status === 'connected') ctx.logger.info(`Tunnel: connected (${event.detail})`);
  else if (event.status !== 'closed') ctx.logger.warn(`Tunnel: ${event.detail}`);
}

/** What the user is told once the mesh runs: the exact header to send, or the label to select on. */
export function readyLines(
  m: Pick<Mesh, 'service' | 'namespace' | 'mode' | 'shadow' | 'header' | 'label' | 'ports' | 'servicePort'>,
): string[] {
  const ports = m.ports.map((p) => `${p.remote} → localhost:${p.local}`).join(', ');
  if (m.mode === 'manual') {
    return [
      `Shadow pod ${m.shadow} in namespace ${m.namespace} carries the labels of service ${m.service}'s pods plus ${m.label} (${ports})`,
      `Nothing else was changed: route to it in your own mesh rules by selecting on label ${m.label}`,
    ];
  }
  return [
    `Service ${m.service} in namespace ${m.namespace} is meshed (shadow ${m.shadow}): requests with header "${m.header}" reach this machine (${ports}); all others its own pods`,
    `Try: curl -H '${m.header}' http://${m.service}.${m.namespace}:${m.servicePort}/`,
  ];
}

/** `ktctl mesh <svc> --expose ...` */
export const meshCommand = defineCommand({
  name: 'mesh',
  description: "Send the requests that carry your header to ports on this machine; all other requests keep reaching the Service's pods",
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
      default: 'auto',
      choices: ['auto', 'manual'],
      description:
        'auto: a shared router sends requests with your header to you; manual: only a shadow pod with the version label, for your own mesh rules (e.g. Istio)',
    },
    {
      name: 'expose',
      type: 'string',
      configurable: false,
      description:
        'Ports to expose: port or local:remote, comma separated. Remote ports are the Service TARGET ports (what the pods listen on), not the Service ports',
    },
    {
      name: 'versionMark',
      type: 'string',
      configurable: false,
      description:
        'The header (and manual mode label): <value>, <key>: or <key>:<value>; key defaults to "version", value to 5 random letters',
    },
    {
      name: 'routerImage',
      type: 'string',
      description: 'Image of the router pod (it must hold the ktctl router); default: the shadow image',
    },
    {
      name: 'skipPortChecking',
      type: 'boolean',
      default: false,
      description: 'Do not check that the local ports are listening before starting',
    },
  ],
  examples: [
    ['ktctl mesh web --expose 8080', "requests to Service web with header 'version: <random>' reach localhost:8080"],
    ['ktctl mesh web --expose 3000:8080 --versionMark x-dev:alice', "requests with header 'x-dev: alice' reach localhost:3000"],
    [
      'ktctl mesh web --mode manual --expose 8080 --versionMark version:v2',
      'a shadow labelled like the pods plus version=v2, for your Istio rules',
    ],
  ],
  async handler(ctx) {
    const { clientFromFlags } = await import('@ktctl/kube');
    const { mesh } = await import('@ktctl/traffic/mesh');
    const client = clientFromFlags(ctx.options);
    ctx.runState?.update({ state: 'starting', namespace: client.namespace, context: client.context, mode: ctx.options.mode });
    try {
      const progress = progressReporter(ctx.progress);
      const m = await mesh(
        {
          target: String(ctx.args.target ?? ''),
          mode: ctx.options.mode as MeshMode,
          expose: ctx.options.expose ?? '',
          versionMark: ctx.options.versionMark,
          routerImage: ctx.options.routerImage,
          skipPortChecking: ctx.options.skipPortChecking,
          flags: ctx.options,
          version: ctx.version,
        },
        { client, logger: ctx.logger, onEvent: (e) => describeEvent(ctx, progress, e), signal: ctx.signal, env: ctx.env },
      );
      const exposed = m.ports.map((p) => ({ local: p.local, remote: p.remote }));
      const mark = m.mode === 'manual' ? { label: m.label } : { header: m.header };
      ctx.runState?.update({
        state: 'connected',
        namespace: m.namespace,
        service: m.service,
        shadow: m.shadow,
        mode: m.mode,
        ports: exposed,
        ...mark,
      });
      printReadyEvent(ctx, { namespace: m.namespace, service: m.service, mode: m.mode, shadow: m.shadow, ...mark, ports: exposed });
      return await runUntilStopped(ctx, {
        ready: readyLines(m),
        stopHint: 'Press Ctrl-C to end the mesh',
        failed: new Promise<void>((resolve) => m.tunnel.on('status', (s: string) => s === 'failed' && resolve())),
        closing: `Leaving the mesh of ${m.service}…`,
        close: () => m.close(),
        retry: `"ktctl clean" (or "ktctl recover ${m.service}")`,
        closed: m.mode === 'auto' ? `Left the mesh of ${m.service}` : `Shadow ${m.shadow} removed`,
      });
    } finally {
      client.close();
    }
  },
});
