/**
 * The shadow agent's entry point: read the environment, start, stop cleanly on SIGTERM/SIGINT.
 * Exit codes: 0 after a signal, 1 when a server cannot start, 2 for a bad environment.
 */
import { ConfigError, loadConfig } from './config.js';
import { createLog } from './log.js';
import { startAgent } from './agent.js';

/** Grace for open connections after a signal; the kubelet's own grace period is 30 s. */
const SHUTDOWN_GRACE_MS = 5_000;

async function main(): Promise<void> {
  const startedAt = performance.now();
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
  const log = createLog(config.logLevel);
  const agent = await startAgent(config, log).catch((error: Error) => {
    log.error(`cannot start: ${error.message}`);
    process.exit(1);
  });
  log.info(
    `ready: ssh port ${agent.sshPort}, dns port ${agent.dnsPort} (udp+tcp), mux port ${agent.muxPort}, started in ${Math.round(performance.now() - startedAt)} ms`,
  );
  const stop = (signal: string): void => {
    const mux = agent.muxStats();
    log.info(
      `${signal}: shutting down (${agent.stats.connections} SSH connections, ${agent.stats.channels} forwarding channels, ${mux.sessions} mux sessions, ${mux.streams} mux streams open)`,
    );
    setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
    void agent.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

void main();
