import type { Duplex } from 'node:stream';
import type { Logger } from '@ktctl/plugin-api';
import { ErrorCode, isUserError } from '@ktctl/plugin-api';
import type { DirectTarget } from './endpoint-index.js';

/** How one direct stream is opened: a port-forward to the pod (`openForwardStream`). */
export type OpenDirect = (target: DirectTarget) => Promise<Duplex>;

export interface DirectDialerOptions {
  /** Finds the pod a cluster address leads to (EndpointIndex.resolve); undefined: no direct path. */
  readonly resolve: (host: string, port: number) => DirectTarget | undefined;
  readonly open: OpenDirect;
  /** The shadow tunnel (the pool's dial): every connection without a working direct path. */
  readonly fallback: (target: { host: string; port: number }) => Promise<Duplex>;
  /**
   * Direct streams open at once, at most. Each is a WebSocket and a TLS connection to the API server and
   * a stream in the kubelet: beyond this, connections share the shadow's few multiplexed sessions, so
   * 1 000 connections at once cost the API server a handful of streams, not a thousand.
   */
  readonly maxStreams?: number;
  /**
   * Direct streams being opened at once, at most; a connection beyond them takes the shadow at once. An
   * open is a TLS handshake and a stream through the API server, kubelet and runtime before the first
   * byte, while the shadow's sessions are already up: in a burst of short connections (the benchmark's 1 000 at
   * once) waiting for port-forwards took the burst from 2 s (all through the shadow) to 31 s.
   */
  readonly maxOpening?: number;
  readonly logger?: Logger;
}

/** What the direct path did, for --debug and tests. */
export interface DirectStats {
  direct: number;
  fallbacks: number;
  open: number;
  /** Of `open`, the ones still being opened. */
  opening: number;
}

/**
 * The direct path: a TCP connection to a pod IP, or to a ClusterIP whose endpoints are known, goes
 * straight to the pod over its own port-forward (as `kubectl port-forward` does: one hop less than the
 * shadow, no tunnel framing). It bypasses kube-proxy's balancing beyond the endpoint picked, NetworkPolicy
 * and a sidecar's inbound path, and reaches the pod's loopback. Any failure falls back to the shadow
 * tunnel: no `pods/portforward` in that namespace (remembered, so later connections do not ask again), a
 * port the pod's loopback does not serve, or the bound on direct streams reached.
 */
export class DirectDialer {
  readonly stats: DirectStats = { direct: 0, fallbacks: 0, open: 0, opening: 0 };
  private forbidden = new Set<string>();
  private readonly byPod = new Map<string, Set<Duplex>>();

  constructor(private readonly options: DirectDialerOptions) {}

  async dial(target: { host: string; port: number }): Promise<Duplex> {
    const direct = this.options.resolve(target.host, target.port);
    if (
      !direct ||
      this.forbidden.has(direct.namespace) ||
      this.stats.open >= (this.options.maxStreams ?? 64) ||
      this.stats.opening >= (this.options.maxOpening ?? 8)
    )
      return this.fallback(target);
    this.stats.open++;
    this.stats.opening++;
    let stream: Duplex;
    try {
      stream = await this.options.open(direct);
    } catch (error) {
      this.stats.open--;
      this.noteFailure(direct, error);
      return this.fallback(target);
    } finally {
      this.stats.opening--;
    }
    this.stats.direct++;
    this.options.logger?.debug(`direct path: ${target.host}:${target.port} → pod ${direct.pod}:${direct.port}`);
    const streams = this.byPod.get(direct.pod) ?? new Set<Duplex>();
    this.byPod.set(direct.pod, streams.add(stream));
    stream.once('close', () => {
      this.stats.open--;
      streams.delete(stream);
      if (!streams.size && this.byPod.get(direct.pod) === streams) this.byPod.delete(direct.pod);
    });
    return stream;
  }

  /**
   * Cuts the direct streams to a pod that is gone. The runtime's port-forward does not notice a pod's
   * death (the WebSocket stays up and answers pings; kubectl port-forward hangs the same way), so the pod
   * watch says it instead: the laptop's connection fails as it would have through the cluster.
   */
  cut(pod: string): void {
    const streams = this.byPod.get(pod);
    if (!streams) return;
    this.options.logger?.debug(`direct path: pod ${pod} is gone; cutting its ${streams.size} connection(s)`);
    for (const stream of streams) stream.destroy(new Error(`pod ${pod} is gone`));
  }

  private fallback(target: { host: string; port: number }): Promise<Duplex> {
    this.stats.fallbacks++;
    return this.options.fallback(target);
  }

  private noteFailure(target: DirectTarget, error: unknown): void {
    const forbidden = isUserError(error) && error.code === ErrorCode.Forbidden;
    if (forbidden) this.forbidden.add(target.namespace);
    const why = forbidden
      ? `no pods/portforward in namespace ${target.namespace}; the shadow carries its connections`
      : (error as Error).message;
    this.options.logger?.debug(`direct path to ${target.pod}:${target.port} failed (${why}); using the shadow tunnel`);
  }
}
