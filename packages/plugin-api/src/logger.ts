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
  /**
   * The command is ready: on a terminal the live step is settled and `ready in 1.9 s` (since the command
   * started) is said; elsewhere nothing changes.
   */
  ready?(): void;
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

export interface LoggerOptions {
  /** Where NO_COLOR (and KTCTL_PROGRESS=plain) are read; process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
  /** The clock of elapsed times (tests); Date.now by default. */
  readonly now?: () => number;
}

/** The live line at the bottom of a terminal: log lines go above it, it is redrawn below them. */
interface LiveTerminal {
  readonly sink: LoggerSink;
  readonly color: boolean;
  readonly now: () => number;
  readonly startedAt: number;
  /** What the live line shows now, or undefined when there is none. */
  live: (() => string) | undefined;
}

const terminals = new WeakMap<Logger, LiveTerminal>();

const CLEAR_LINE = '\r\x1b[2K';

function paint(terminal: LiveTerminal, code: string, text: string): string {
  return terminal.color ? `\x1b[${code}m${text}\x1b[0m` : text;
}

function writeAbove(terminal: LiveTerminal, text: string): void {
  const live = terminal.live?.();
  terminal.sink.write(live === undefined ? text : `${CLEAR_LINE}${text}${live}`);
}

/**
 * A logger writing `level: message` lines to a sink (standard error by default). On a terminal it also
 * keeps the progress renderer's live line below what it writes.
 */
export function createLogger(level: LogLevel, sink: LoggerSink = process.stderr, options: LoggerOptions = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const terminal: LiveTerminal | undefined =
    sink.isTTY && env.KTCTL_PROGRESS !== 'plain'
      ? { sink, color: !('NO_COLOR' in env && env.NO_COLOR !== ''), now, startedAt: now(), live: undefined }
      : undefined;
  const emit = (at: LogLevel, message: string): void => {
    if (LOG_LEVELS.indexOf(at) < threshold) return;
    const prefix = at === 'info' ? '' : `${at}: `;
    if (!terminal) return void sink.write(`${prefix}${message}\n`);
    const painted = at === 'warn' || at === 'error' ? paint(terminal, at === 'warn' ? '33' : '31', prefix) : prefix;
    writeAbove(terminal, `${painted}${message}\n`);
  };
  const logger: Logger = {
    level,
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
  };
  if (terminal) terminals.set(logger, terminal);
  return logger;
}

/** Seconds as the progress lines show them: `0.4 s`, `12.3 s`, `2 min 5 s`. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** Live renderers with a step on screen: settled as failed before an error is reported (settleLiveProgress). */
const activeRenderers = new Set<() => void>();

/**
 * Ends every live progress line with ✗ and a newline, so an error reported straight to standard error
 * starts on a line of its own. The app calls it before reporting a failed command.
 */
export function settleLiveProgress(): void {
  for (const settle of [...activeRenderers]) settle();
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** How often the live line's elapsed time is redrawn. */
const REDRAW_MS = 100;

/**
 * Progress on a terminal: one live line per step stage (`⠋ shadow pod: pulling … 1.2 s`), redrawn with its
 * elapsed time; a new detail or step settles the previous line (`✓ … 1.4 s`), and ready() ends with
 * `ready in 1.9 s`.
 */
function liveProgress(terminal: LiveTerminal): Progress {
  let current: { step: string; detail: string; since: number } | undefined;
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const line = (mark: string, step: string, detail: string, since: number): string =>
    `${mark} ${step}: ${detail} ${paint(terminal, '2', formatElapsed(terminal.now() - since))}`;
  const draw = (): void => {
    terminal.live = current
      ? () => line(paint(terminal, '36', SPINNER[frame % SPINNER.length]!), current!.step, current!.detail, current!.since)
      : undefined;
    terminal.sink.write(`${CLEAR_LINE}${terminal.live?.() ?? ''}`);
  };
  const settle = (mark: string): void => {
    if (!current) return;
    const done = line(mark, current.step, current.detail, current.since);
    current = undefined;
    terminal.live = undefined;
    clearInterval(timer);
    timer = undefined;
    activeRenderers.delete(failAll);
    terminal.sink.write(`${CLEAR_LINE}${done}\n`);
  };
  const failAll = (): void => settle(paint(terminal, '31', '✗'));
  const ok = paint(terminal, '32', '✓');
  // Once ready, what still happens (a reconnect) is said in settled lines: nothing keeps spinning for hours.
  let ready = false;
  const show = (step: string, detail: string): void => {
    settle(ok);
    if (ready) return void writeAbove(terminal, `${paint(terminal, '36', '•')} ${step}: ${detail}\n`);
    current = { step, detail, since: terminal.now() };
    activeRenderers.add(failAll);
    draw();
    timer = setInterval(() => {
      frame++;
      draw();
    }, REDRAW_MS);
    timer.unref();
  };
  return {
    start(step, detail) {
      show(step, detail ?? '…');
      return {
        update: (next) => {
          if (current?.step === step && current.detail === next) return;
          show(step, next);
        },
        done: (next) => {
          if (current?.step !== step) return (show(step, next ?? 'done'), settle(ok));
          if (next) current.detail = next;
          settle(ok);
        },
        fail: (next) => {
          if (current?.step !== step) show(step, next ?? 'failed');
          else if (next) current!.detail = next;
          failAll();
        },
      };
    },
    ready() {
      settle(ok);
      ready = true;
      terminal.sink.write(`${ok} ready in ${formatElapsed(terminal.now() - terminal.startedAt)}\n`);
    },
  };
}

/**
 * Progress shown as lines through a logger; one line per state change, so logs stay readable in CI. A
 * logger writing to a terminal gets the live renderer instead.
 */
export function createProgress(logger: Logger): Progress {
  const terminal = terminals.get(logger);
  if (terminal) return liveProgress(terminal);
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
