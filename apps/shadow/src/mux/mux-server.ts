import { loadAuthorizedKeys, MuxServer } from '@ktctl/mux';
import type { AgentConfig } from '../config.js';
import type { Log } from '../log.js';

/** The counts the agent reports for its mux sessions. */
export interface MuxStats {
  readonly sessions: number;
  readonly streams: number;
}

/** A listening mux server and its counts. */
export interface RunningMux {
  readonly port: number;
  stats(): MuxStats;
  close(): Promise<void>;
}

/**
 * The laptop's data path (@ktctl/mux): TCP streams, UDP datagrams and reverse listens over the
 * port-forward. Bound on loopback by default (KT_MUX_HOST): the container runtime's port-forward dials
 * localhost in the pod's network namespace, so only a `pods/portforward` of this pod reaches it. The
 * authorized keys are read at each handshake, as the SSH server does, so a rotated key applies at once.
 */
export async function startMuxServer(config: AgentConfig, log: Log): Promise<RunningMux> {
  const interval = config.keepaliveIntervalMs;
  const server = new MuxServer({
    authorizedKeys: () => loadAuthorizedKeys(config.authorizedKeysPath),
    udp: { idleMs: config.udpFlowIdleMs },
    keepaliveIntervalMs: interval,
    keepaliveTimeoutMs: interval * config.keepaliveCountMax,
  });
  const port = await server.listen(config.muxPort, config.muxHost);
  const stats = (): MuxStats => {
    let streams = 0;
    for (const session of server.sessions) streams += session.load;
    return { sessions: server.sessions.size, streams };
  };
  log.debug(`mux: listening on ${config.muxHost}:${port}`);
  return { port, stats, close: () => server.close() };
}
