/**
 * The mesh router's entry point (`node /opt/ktctl/router.cjs` in the shadow image): read the environment,
 * start, stop on SIGTERM/SIGINT. Exit codes: 0 after a signal, 1 when it cannot start, 2 for a bad environment.
 */
import { ConfigError, loadConfig } from './config.js';
import { createLog } from './log.js';
import { startRouter } from './router.js';

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
  const router = await startRouter(config, log).catch((error: Error) => {
    log.error(`cannot start: ${error.message}`);
    process.exit(1);
  });
  log.info(
    `ready: ports ${config.ports.join(', ')}, control port ${router.controlPort}, started in ${Math.round(performance.now() - startedAt)} ms`,
  );
  const stop = (signal: string): void => {
    log.info(`${signal}: shutting down (${router.connections()} connections open)`);
    setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
    void router.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

void main();
