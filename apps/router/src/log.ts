/** Log levels, most verbose first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Leveled logging for the router; `kubectl logs` shows it. */
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
