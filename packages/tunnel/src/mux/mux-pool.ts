import { SessionPool, type SessionPoolOptions } from '../session/session-pool.js';
import { MuxTunnelSession, type DatagramChannel, type MuxTunnelSessionOptions } from './mux-session.js';

export interface MuxPoolOptions
  extends Omit<MuxTunnelSessionOptions, 'transport'>, Omit<SessionPoolOptions<MuxTunnelSession>, 'openSession'> {}

/**
 * The laptop's data path: mux sessions to the shadow agent, each over its own port-forward to the agent's
 * mux port. Streams go to the least-loaded session; the UDP relay takes one session's datagram side.
 */
export class MuxPool extends SessionPool<MuxTunnelSession> {
  constructor(options: MuxPoolOptions) {
    super({ ...options, openSession: (transport) => MuxTunnelSession.open({ ...options, transport }) });
  }

  /** The datagram side of a live session (waiting for one while the tunnel reconnects). */
  async datagramChannel(): Promise<DatagramChannel> {
    return (this.leastLoaded() ?? (await this.waitForSession())).datagrams;
  }
}
