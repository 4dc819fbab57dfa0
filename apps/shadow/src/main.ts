/**
 * The shadow agent's entry point: read the environment, start, stop cleanly on SIGTERM/SIGINT.
 * Exit codes: 0 after a signal, 1 when a server cannot start, 2 for a bad environment.
 */
import { runProgram } from '@ktctl/agent-contract';
import { ConfigError, loadConfig } from './config.js';
import { startAgent } from './agent.js';

void runProgram({
  loadConfig,
  isConfigError: (error) => error instanceof ConfigError,
  start: startAgent,
  ready: (agent) => `ssh port ${agent.sshPort}, dns port ${agent.dnsPort} (udp+tcp), mux port ${agent.muxPort}`,
  open: (agent) => {
    const mux = agent.muxStats();
    return `${agent.stats.connections} SSH connections, ${agent.stats.channels} forwarding channels, ${mux.sessions} mux sessions, ${mux.streams} mux streams open`;
  },
});
