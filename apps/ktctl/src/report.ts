import { ErrorCode, isUserError } from '@ktctl/plugin-api';

const ISSUES_URL = 'https://github.com/ktctl/ktctl/issues';

export interface ReportTarget {
  write(text: string): void;
}

/** The path of a file-system permission failure: something the user fixes, not a ktctl bug. */
function permissionDenied(error: unknown): string | undefined {
  const { code, path } = (error ?? {}) as NodeJS.ErrnoException;
  return (code === 'EACCES' || code === 'EPERM') && typeof path === 'string' ? path : undefined;
}

/** Ends text with a full stop unless it already ends with punctuation. */
function sentence(text: string): string {
  return /[.?!]$/.test(text) ? text : `${text}.`;
}

/**
 * The first line of a message: a user error is one line even when it quotes a cause that spans several
 * (a YAML parser's code frame, a server's multi-line body); --debug shows the rest.
 */
function firstLine(text: string): string {
  return (text.split('\n').find((line) => line.trim() !== '') ?? '').trim().replace(/:$/, '');
}

function causeChain(error: unknown): string[] {
  const lines: string[] = [];
  let cause = (error as { cause?: unknown } | undefined)?.cause;
  while (cause !== undefined && lines.length < 5) {
    lines.push(`  caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`);
    cause = (cause as { cause?: unknown }).cause;
  }
  return lines;
}

/**
 * The one top-level error handler. A user error becomes one line (what went wrong, what to do, its code);
 * anything else is a bug: a short report, with the stack under --debug. Returns the exit code.
 */
export function reportError(error: unknown, options: { debug: boolean; stderr: ReportTarget }): number {
  const { debug, stderr } = options;
  if (isUserError(error)) {
    const hint = error.hint ? firstLine(error.hint) : '';
    stderr.write(`error: ${sentence(firstLine(error.message))}${hint ? ` ${sentence(hint)}` : ''} [${error.code}]\n`);
    if (debug) stderr.write(`${[error.stack ?? '', ...causeChain(error)].join('\n')}\n`);
    return error.exitCode;
  }
  const denied = permissionDenied(error);
  if (denied) {
    stderr.write(
      `error: Permission denied on ${denied}. Check its owner and mode (a folder first made under sudo belongs to root). [${ErrorCode.PermissionDenied}]\n`,
    );
    if (debug) stderr.write(`${(error as Error).stack}\n`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`error: ktctl failed unexpectedly: ${message} [${ErrorCode.Bug}]\n`);
  if (debug) {
    stderr.write(`${[error instanceof Error ? (error.stack ?? message) : message, ...causeChain(error)].join('\n')}\n`);
  } else {
    stderr.write('Run the same command with --debug for details.\n');
  }
  stderr.write(`This is a bug in ktctl; please report it at ${ISSUES_URL} with the --debug output.\n`);
  return 1;
}
