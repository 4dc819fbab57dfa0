import { spawn } from 'node:child_process';
import { ErrorCode, UserError } from '@ktctl/plugin-api';

/** The variables that point common tools (curl, kubectl, Go, Python, Node's undici) at the proxy. */
export function proxyEnvironment(proxy: { host: string; port: number }, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const host = proxy.host.includes(':') ? `[${proxy.host}]` : proxy.host;
  const http = `http://${host}:${proxy.port}`;
  const socks = `socks5h://${host}:${proxy.port}`;
  return {
    ...base,
    HTTP_PROXY: http,
    HTTPS_PROXY: http,
    ALL_PROXY: socks,
    http_proxy: http,
    https_proxy: http,
    all_proxy: socks,
    NO_PROXY: 'localhost,127.0.0.1,::1',
    no_proxy: 'localhost,127.0.0.1,::1',
  };
}

/** Runs a command with the proxy set in its environment; resolves with its exit code (128+n on a signal). */
export function runWithProxy(
  command: readonly string[],
  proxy: { host: string; port: number },
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env: proxyEnvironment(proxy, env) });
    const stop = (): void => void child.kill('SIGTERM');
    signal.addEventListener('abort', stop, { once: true });
    child.once('error', (error: NodeJS.ErrnoException) => {
      signal.removeEventListener('abort', stop);
      reject(
        new UserError(ErrorCode.NotFound, `Cannot run ${command[0]}: ${error.code === 'ENOENT' ? 'command not found' : error.message}`, {
          hint: 'Check the command after "--"',
          cause: error,
        }),
      );
    });
    child.once('exit', (code, name) => {
      signal.removeEventListener('abort', stop);
      resolve(code ?? 128 + (name === 'SIGINT' ? 2 : name === 'SIGKILL' ? 9 : 15));
    });
  });
}
