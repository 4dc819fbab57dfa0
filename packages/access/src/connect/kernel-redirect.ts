import type { Logger } from '@ktctl/plugin-api';
import type { NetSession } from '@ktctl/netplatform';
import { RedirectListener } from '@ktctl/tunnel';
import type { TunnelLink } from './tun2socks.js';
import type { Teardown } from '@ktctl/plugin-api';

/**
 * sshuttle mode: a local listener, and kernel rules sending TCP for the cluster CIDRs to it. The API
 * server's address is never redirected: the tunnel itself runs through it.
 */
export async function redirectClusterTcp(
  session: NetSession,
  pool: Pick<TunnelLink, 'dial'>,
  target: { cidrs: readonly string[]; excludes: readonly string[] },
  teardown: Teardown,
  logger: Logger,
): Promise<number> {
  const redirect = session.redirect;
  if (!redirect) throw new Error('this platform has no kernel redirect (checked before; a bug if seen)');
  const listener = new RedirectListener({
    host: '127.0.0.1',
    port: 0,
    originalDestination: (socket) => {
      const original = redirect.originalDestination(socket);
      return { host: original.address, port: original.port };
    },
    dial: (t) => pool.dial(t),
    logger,
  });
  const { port } = await listener.listen();
  teardown.defer('redirect listener', () => listener.close());
  // The kernel only runs the OUTPUT hook for a packet it has a route for, and a laptop without a default
  // route (or on another network) has none for cluster ranges. Routing them to loopback gives the redirect
  // something to act on, and keeps cluster-bound packets on this machine should a rule ever be missing.
  for (const cidr of target.cidrs) await session.routes.add({ cidr, device: 'lo' });
  await redirect.redirectTcp({ cidrs: target.cidrs, excludes: target.excludes, toPort: port });
  logger.debug(`${redirect.backend}: TCP to ${target.cidrs.join(', ')} redirected to 127.0.0.1:${port}`);
  return port;
}
