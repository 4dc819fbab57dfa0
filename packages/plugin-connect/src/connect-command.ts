import { defineCommand, printReadyEvent, progressReporter, runUntilStopped, type CommandContext } from '@ktctl/plugin-api';
import { globalFlagValues, shadowImage } from '@ktctl/config';
import type { ConnectEvent, ConnectMode, ConnectOptions } from '@ktctl/access/connect';
import { connectFlags } from './flags.js';
import { runWithProxy } from './run-with-proxy.js';

function describeEvent(ctx: CommandContext, progress: (step: string, detail: string) => void, event: ConnectEvent): void {
  if (event.kind === 'progress') return progress(event.step, event.detail);
  ctx.runState?.update({ state: event.status, detail: event.status === 'connected' ? undefined : event.detail });
  if (event.status === 'connected') ctx.logger.info('Tunnel: connected');
  else ctx.logger.warn(`Tunnel: ${event.detail}`);
}

/** Where cluster traffic goes, for the connected message. */
function routedText(connection: {
  targets: { cidrs: readonly string[] } | undefined;
  tun: { device: string; address: string; routes: readonly string[] } | undefined;
}): string {
  const { targets, tun } = connection;
  if (!targets) return '';
  if (!tun) return `; routed: ${targets.cidrs.join(', ')}`;
  const routes = tun.routes.length ? `routed: ${tun.routes.join(', ')}` : 'no routes (--disableTunRoute)';
  return `; TUN device ${tun.device} (${tun.address}), ${routes}`;
}

/** `ktctl connect [-- command ...]` */
export const connectCommand = defineCommand({
  name: 'connect',
  description: 'Reach pod IPs, Service IPs and cluster DNS names from this machine',
  flags: connectFlags,
  passthrough: { name: 'command', description: 'A command to run with the proxy set in its environment; ktctl exits when it does' },
  examples: [
    ['sudo ktctl connect', 'cluster addresses and names work on this machine until Ctrl-C'],
    ['ktctl connect --disableTunDevice -- curl http://web.dev', 'no root: run one command through the proxy'],
  ],
  async handler(ctx) {
    const globals = globalFlagValues(ctx.options);
    const options: ConnectOptions = {
      ...ctx.options,
      ...globals,
      mode: ctx.options.mode as ConnectMode,
      image: shadowImage(globals, ctx.version),
    };
    // The service (Kubernetes client, SSH, DNS) loads only when connect runs, keeping other commands fast.
    const { clientFromFlags } = await import('@ktctl/kube');
    const { connect } = await import('@ktctl/access/connect');
    const client = clientFromFlags(ctx.options);
    ctx.runState?.update({
      state: 'starting',
      namespace: client.namespace,
      context: client.context,
      mode: options.mode,
      dnsMode: options.dnsMode,
    });
    try {
      ctx.logger.info(`Using context ${client.context}, API server ${client.server.origin}, namespace ${client.namespace}`);
      const progress = progressReporter(ctx.progress);
      const connection = await connect(options, {
        client,
        platform: () => ctx.services.netplatform(),
        logger: ctx.logger,
        onEvent: (event) => describeEvent(ctx, progress, event),
        signal: ctx.signal,
        env: ctx.env,
      });
      const { host, port } = connection.proxy;
      const command = ctx.args.command;
      const tun = connection.tun
        ? { device: connection.tun.device, address: connection.tun.address, routes: [...connection.tun.routes] }
        : undefined;
      ctx.runState?.update({
        state: 'connected',
        namespace: connection.namespace,
        shadow: connection.shadowPod,
        proxy: `${host}:${port}`,
        tun,
      });
      printReadyEvent(ctx, {
        namespace: connection.namespace,
        context: client.context,
        shadow: connection.shadowPod,
        mode: options.mode,
        proxy: { host, port },
        proxyPort: port,
        tun: tun ?? null,
        dnsMode: options.dnsMode ?? null,
      });
      return await runUntilStopped(ctx, {
        ready: [
          `Connected to namespace ${connection.namespace} through shadow pod ${connection.shadowPod}`,
          `SOCKS5 and HTTP proxy: ${host}:${port}${routedText(connection)}`,
        ],
        stopHint: 'Press Ctrl-C to disconnect',
        ...(Array.isArray(command) && command.length ? { run: () => runWithProxy(command, connection.proxy, ctx.env, ctx.signal) } : {}),
        closing: 'Disconnecting…',
        close: () => connection.close(),
        retry: '"ktctl clean"',
      });
    } finally {
      client.close();
    }
  },
});
