import { once } from 'node:events';
import { defineCommand, type CommandContext } from '@ktctl/plugin-api';
import { shadowImage } from '@ktctl/config';
import type { ConnectEvent, ConnectOptions } from '@ktctl/access/connect';
import { connectFlags } from './flags.js';
import { runWithProxy } from './run-with-proxy.js';

function describeEvent(ctx: CommandContext, event: ConnectEvent): void {
  if (event.kind === 'progress') ctx.logger.info(`${event.step}: ${event.detail}`);
  else if (event.status === 'connected') ctx.logger.info('Tunnel: connected');
  else ctx.logger.warn(`Tunnel: ${event.detail}`);
}

/** Where cluster traffic goes, for the connected message. */
function routedText(connection: { targets: { cidrs: readonly string[] } | undefined; tun: { device: string; address: string; routes: readonly string[] } | undefined }): string {
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
    const options = { ...ctx.options, image: shadowImage(ctx.options as Record<string, unknown>, ctx.version) } as unknown as ConnectOptions;
    // The service (Kubernetes client, SSH, DNS) loads only when connect runs, keeping other commands fast.
    const { connect } = await import('@ktctl/access/connect');
    const connection = await connect(options, {
      platform: () => ctx.services.netplatform(),
      logger: ctx.logger,
      onEvent: (event) => describeEvent(ctx, event),
      signal: ctx.signal,
      env: process.env,
    });
    try {
      const { host, port } = connection.proxy;
      ctx.logger.info(`Connected to namespace ${connection.namespace} through shadow pod ${connection.shadowPod}`);
      ctx.logger.info(`SOCKS5 and HTTP proxy: ${host}:${port}${routedText(connection)}`);
      const command = ctx.args.command;
      if (Array.isArray(command) && command.length) return await runWithProxy(command, connection.proxy, process.env, ctx.signal);
      ctx.logger.info('Press Ctrl-C to disconnect');
      if (!ctx.signal.aborted) await once(ctx.signal, 'abort');
    } finally {
      ctx.logger.info('Disconnecting…');
      for (const failure of await connection.close()) ctx.logger.warn(`cleanup: ${failure}; "ktctl clean" will retry`);
    }
  },
});
