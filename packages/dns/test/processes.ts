import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';

/** Runs a command to completion, never longer than `timeoutMs`; never rejects. */
export function run(command: string, args: string[], timeoutMs = 10_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

/** A process started for a test; `stop` ends it (SIGKILL after 3 s) and waits for it. */
export interface Background {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts a process and waits until its output matches `ready` (or it dies, or `timeoutMs` passes). */
export async function startBackground(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; ready?: RegExp; timeoutMs?: number } = {}): Promise<Background> {
  const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const exited = once(child, 'exit');
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(killer);
  };
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} not ready after ${options.timeoutMs ?? 5_000} ms:\n${text}`)), options.timeoutMs ?? 5_000);
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      if (options.ready?.test(text)) (clearTimeout(timer), resolve());
    };
    if (!options.ready) (clearTimeout(timer), resolve());
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => (clearTimeout(timer), reject(new Error(`${command} exited before ready:\n${text}`))));
  });
  await ready.catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { child, output: () => text, stop };
}

/** A loopback TCP port free right now (dnsmasq and the agent bind UDP and TCP on it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
