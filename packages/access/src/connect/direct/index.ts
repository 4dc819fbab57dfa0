import type { Duplex } from 'node:stream';
import { openForwardStream, type KubeClient } from '@ktctl/kube';
import type { Logger, Teardown } from '@ktctl/plugin-api';
import { DirectDialer } from './direct-dialer.js';
import { EndpointIndex } from './endpoint-index.js';
import { HeldFinStream } from './held-fin.js';

export { DirectDialer, type DirectDialerOptions, type DirectStats } from './direct-dialer.js';
export { EndpointIndex, type DirectTarget } from './endpoint-index.js';
export { HeldFinStream } from './held-fin.js';

/** Direct streams at once; beyond them connections take the shadow (see DirectDialer). */
export const MAX_DIRECT_STREAMS = 64;
/** Direct streams being opened at once; beyond them a burst of connections takes the shadow at once. */
export const MAX_DIRECT_OPENING = 8;
/**
 * How long a new direct stream is watched for the kubelet's "connection refused" before it is used. The
 * v4 port-forward protocol has no success signal: the runtime dials the pod's loopback after the upgrade
 * and reports a failure on the error channel a few ms later, when a stream handed out could no longer
 * fall back. This delays each direct connection's start, not its data.
 */
export const SETTLE_MS = 30;

/**
 * The direct path for the connect namespace: its pods and Services watched, each connection to one of
 * them port-forwarded straight to a ready pod, the shadow tunnel for everything else and every failure.
 */
export function startDirectPath(
  client: KubeClient,
  namespace: string,
  fallback: (target: { host: string; port: number }) => Promise<Duplex>,
  ctx: { teardown: Teardown; logger: Logger; openTimeoutMs: number },
): DirectDialer {
  const index = new EndpointIndex(namespace);
  const stop = new AbortController();
  ctx.teardown.defer('direct path watches', () => stop.abort());
  index.watch(client, stop.signal, (what, error) =>
    ctx.logger.debug(`direct path: watch of ${what} interrupted: ${(error as Error).message}`),
  );
  const dialer = new DirectDialer({
    resolve: (host, port) => index.resolve(host, port),
    open: async (target) =>
      new HeldFinStream(await settled(await openForwardStream(client.transport, target, { openTimeoutMs: ctx.openTimeoutMs }))),
    fallback,
    maxStreams: MAX_DIRECT_STREAMS,
    maxOpening: MAX_DIRECT_OPENING,
    logger: ctx.logger,
  });
  index.onPodGone = (pod) => dialer.cut(pod);
  return dialer;
}

/** Resolves with the stream if no error came within SETTLE_MS, else rejects (and closes it). */
function settled(stream: Duplex): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error): void => {
      clearTimeout(timer);
      stream.destroy();
      reject(error);
    };
    const closed = (): void => fail(new Error('the port-forward closed at once'));
    const timer = setTimeout(() => {
      stream.off('error', fail);
      stream.off('close', closed);
      resolve(stream);
    }, SETTLE_MS);
    stream.once('error', fail);
    stream.once('close', closed);
  });
}
