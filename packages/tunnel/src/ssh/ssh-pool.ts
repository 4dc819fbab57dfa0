import type { ClientChannel } from 'ssh2';
import { SessionPool, type SessionPoolOptions } from '../session/session-pool.js';
import { SshSession, type SshSessionOptions } from './ssh-session.js';

export interface SshPoolOptions extends Omit<SshSessionOptions, 'transport'>, Omit<SessionPoolOptions<SshSession>, 'openSession'> {}

/**
 * SSH sessions to the shadow agent, for what still speaks SSH (tests against OpenSSH-compatible agents,
 * the SSH UDP-relay subsystem); the laptop's data path is `MuxPool`.
 */
export class SshPool extends SessionPool<SshSession> {
  constructor(options: SshPoolOptions) {
    super({ ...options, openSession: (transport) => SshSession.open({ ...options, transport }) });
  }

  /** A subsystem channel (the SSH UDP relay) over the least-loaded session. */
  subsystem(name: string): Promise<ClientChannel> {
    return this.onLiveSession((session) => session.subsystem(name));
  }
}
