/**
 * How ktctl's in-cluster programs (the shadow agent, the mesh router) behave as processes, which the laptop
 * and the tests rely on: `<ISO time> <level> <message>` lines on standard error (what `kubectl logs` shows and
 * the tests wait for, e.g. the `ready: ...` line), and the exit codes: 0 after SIGTERM/SIGINT, 1 when the
 * program cannot start, 2 for a bad environment.
 */

/** Log levels, most verbose first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Leveled logging for an in-cluster program. */
export interface Log {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Writes `<ISO time> <level> <message>` lines to standard error at and above `level`. */
export function createLog(level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(line)): Log {
  const threshold = LOG_LEVELS.indexOf(level);
  const at =
    (which: LogLevel) =>
    (message: string): void => {
      if (LOG_LEVELS.indexOf(which) >= threshold) write(`${new Date().toISOString()} ${which} ${message}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Grace for open connections after a signal; the kubelet's own grace period is 30 s. */
export const SHUTDOWN_GRACE_MS = 5_000;

export interface ProgramSpec<C extends { logLevel: LogLevel }, P extends { close(): Promise<void> }> {
  /** Reads the environment; throws on a bad one. */
  loadConfig(): C;
  /** Whether an error of loadConfig is a bad environment (exit 2) rather than anything else (exit 1). */
  isConfigError(error: unknown): boolean;
  start(config: C, log: Log): Promise<P>;
  /** The text after `ready: ` once started. */
  ready(program: P, config: C): string;
  /** What is still open, for the shutdown line (`SIGTERM: shutting down (<this>)`). */
  open(program: P): string;
}

/** An in-cluster program's process: read the environment, start, say ready, stop on SIGTERM/SIGINT. */
export async function runProgram<C extends { logLevel: LogLevel }, P extends { close(): Promise<void> }>(
  spec: ProgramSpec<C, P>,
): Promise<void> {
  const startedAt = performance.now();
  let config: C;
  try {
    config = spec.loadConfig();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(spec.isConfigError(error) ? 2 : 1);
  }
  const log = createLog(config.logLevel);
  const program = await spec.start(config, log).catch((error: Error) => {
    log.error(`cannot start: ${error.message}`);
    process.exit(1);
  });
  log.info(`ready: ${spec.ready(program, config)}, started in ${Math.round(performance.now() - startedAt)} ms`);
  const stop = (signal: string): void => {
    log.info(`${signal}: shutting down (${spec.open(program)})`);
    setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
    void program.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
