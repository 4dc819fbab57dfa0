/** Log levels, most verbose first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Leveled logging to standard error; commands print their results with `ctx.print`. */
export interface Logger {
  readonly level: LogLevel;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Reports progress of a long step ("waiting for pod… 3/5"), ending with done or fail. */
export interface Progress {
  /** Starts a step; with a first detail, that is the step's first line ("shadow pod: scheduled"). */
  start(step: string, detail?: string): ProgressStep;
}

export interface ProgressStep {
  update(detail: string): void;
  done(detail?: string): void;
  fail(detail?: string): void;
}

export interface LoggerSink {
  write(text: string): void;
  readonly isTTY?: boolean;
}

/** A logger writing `level: message` lines to a sink (standard error by default). */
export function createLogger(level: LogLevel, sink: LoggerSink = process.stderr): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const emit = (at: LogLevel, message: string): void => {
    if (LOG_LEVELS.indexOf(at) < threshold) return;
    const prefix = at === 'info' ? '' : `${at}: `;
    sink.write(`${prefix}${message}\n`);
  };
  return {
    level,
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
  };
}

/** Progress shown as lines through a logger; one line per state change, so logs stay readable in CI. */
export function createProgress(logger: Logger): Progress {
  return {
    start(step, detail) {
      logger.info(detail === undefined ? `${step}…` : `${step}: ${detail}`);
      return {
        update: (detail) => logger.info(`${step}: ${detail}`),
        done: (detail) => logger.info(`${step}: ${detail ?? 'done'}`),
        fail: (detail) => logger.warn(`${step}: ${detail ?? 'failed'}`),
      };
    },
  };
}

/**
 * Turns a service's progress events (`step`, `detail`) into progress steps: the first event of a step
 * starts it, later ones update it. Each event is one line, as before.
 */
export function progressReporter(progress: Progress): (step: string, detail: string) => void {
  const steps = new Map<string, ProgressStep>();
  return (step, detail) => {
    const current = steps.get(step);
    if (current) current.update(detail);
    else steps.set(step, progress.start(step, detail));
  };
}
