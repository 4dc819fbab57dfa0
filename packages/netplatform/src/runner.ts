import { spawn } from 'node:child_process';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Written to the command's stdin (e.g. an `nft -f -` script). */
  readonly input?: string;
}

/**
 * Runs one system command and reports how it ended; never throws for a non-zero exit. Passed into every
 * platform piece so tests can assert the exact commands without running them.
 */
export type CommandRunner = (command: string, args: readonly string[], options?: RunOptions) => Promise<CommandResult>;

/** Every system command gets this long before it is killed; none of ours should take a second. */
const COMMAND_TIMEOUT_MS = 30_000;

/** The real runner: spawns without a shell, bounded by a timeout. */
export const spawnRunner: CommandRunner = (command, args, options = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { stdio: ['pipe', 'pipe', 'pipe'], timeout: COMMAND_TIMEOUT_MS });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => reject(new Error(`cannot run ${command}: ${error.message}`, { cause: error })));
    child.on('close', (code, signal) => {
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({
        code: code ?? 128,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: signal ? `${stderr}killed by ${signal}` : stderr,
      });
    });
    child.stdin.on('error', () => {
      // The command exited before reading its input; its exit code says what went wrong.
    });
    child.stdin.end(options.input ?? '');
  });

/** A system command that exited non-zero. */
export class CommandFailedError extends Error {
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly result: CommandResult,
  ) {
    super(`${[command, ...args].join(' ')} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
    this.name = 'CommandFailedError';
  }
}

/** Runs a command and returns its stdout, throwing CommandFailedError on a non-zero exit. */
export async function mustRun(runner: CommandRunner, command: string, args: readonly string[], options?: RunOptions): Promise<string> {
  const result = await runner(command, args, options);
  if (result.code !== 0) throw new CommandFailedError(command, args, result);
  return result.stdout;
}

/** A runner for tests: records every call and answers from a function (exit 0, empty output by default). */
export function recordingRunner(
  answer: (command: string, args: readonly string[]) => Partial<CommandResult> | undefined = () => undefined,
): CommandRunner & { calls: { command: string; args: string[]; input?: string }[]; lines(): string[] } {
  const calls: { command: string; args: string[]; input?: string }[] = [];
  const runner = async (command: string, args: readonly string[], options: RunOptions = {}) => {
    calls.push({ command, args: [...args], ...(options.input === undefined ? {} : { input: options.input }) });
    return { code: 0, stdout: '', stderr: '', ...answer(command, args) };
  };
  return Object.assign(runner, { calls, lines: () => calls.map((c) => [c.command, ...c.args].join(' ')) });
}
