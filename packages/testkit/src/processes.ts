import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** Runs a command to completion, never longer than `timeoutMs`; never rejects. */
export function run(
  command: string,
  args: string[],
  timeoutMs = 10_000,
  env?: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, killSignal: 'SIGKILL', env: env ?? process.env }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A background process whose output is collected; `stop` ends it and waits for it. */
export interface Background {
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a process and waits until its output matches `ready` (or it dies, or `timeoutMs` passes); no `ready`, no wait. */
export async function startBackground(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; ready?: RegExp; timeoutMs?: number } = {},
): Promise<Background> {
  const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${command} not ready after ${options.timeoutMs ?? 5_000} ms:\n${text}`)),
      options.timeoutMs ?? 5_000,
    );
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      if (options.ready?.test(text)) (clearTimeout(timer), resolve());
    };
    if (!options.ready) (clearTimeout(timer), resolve());
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(([code]) => (clearTimeout(timer), reject(new Error(`${command} exited (${code}) before ready:\n${text}`))));
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    const [code, sig] = await exited;
    clearTimeout(killer);
    return { code, signal: sig };
  };
  await ready.catch(async (error: unknown) => {
    await stop('SIGKILL');
    throw error;
  });
  return { child, output: () => text, stop };
}
