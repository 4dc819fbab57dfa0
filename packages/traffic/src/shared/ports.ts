// `--expose` and the local-port check shared by exchange, mesh and preview. Light on purpose (no cluster
// code): a command's module imports it at load time, through `@ktctl/traffic/ports`.
import { connect } from 'node:net';
import { AGENT_DNS_PORT, AGENT_SSH_PORT } from '@ktctl/agent-contract';
import { ErrorCode, UsageError, UserError } from '@ktctl/plugin-api';
import type { PortMapping } from './reverse-tunnel.js';

/** The shadow agent's own ports: never a remote port. */
export const AGENT_PORTS: readonly number[] = [AGENT_SSH_PORT, AGENT_DNS_PORT];

function port(text: string, whole: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) {
    throw new UsageError(`Invalid --expose "${whole}": "${text}" is not a port (1-65535)`, {
      code: ErrorCode.InvalidFlag,
      hint: 'Use port or local:remote, comma separated, e.g. --expose 8080 or --expose 3000:8080,9000',
    });
  }
  return n;
}

/**
 * `8080`, `3000:8080,9000` (or several flag values) → mappings; `port` means the same port on both sides.
 * Every remote port once, none of the agent's own. `example` completes the "--expose is required" hint.
 */
export function parseExpose(
  value: string | readonly string[] | undefined,
  example = 'e.g. --expose 8080 or --expose 3000:8080',
): PortMapping[] {
  const parts = (Array.isArray(value) ? value : [value ?? ''])
    .flatMap((v: string) => v.split(','))
    .map((p) => p.trim())
    .filter(Boolean);
  if (!parts.length)
    throw new UsageError('--expose is required: which local ports receive the traffic', { code: ErrorCode.InvalidFlag, hint: example });
  const mappings = parts.map((part) => {
    const pieces = part.split(':');
    if (pieces.length > 2)
      throw new UsageError(`Invalid --expose "${part}": expected port or local:remote`, { code: ErrorCode.InvalidFlag });
    const local = port(pieces[0]!, part);
    return { local, remote: pieces.length === 2 ? port(pieces[1]!, part) : local };
  });
  const seen = new Set<number>();
  for (const m of mappings) {
    if (AGENT_PORTS.includes(m.remote)) {
      throw new UsageError(`Remote port ${m.remote} is the shadow agent's own (${AGENT_PORTS.join(', ')})`, {
        code: ErrorCode.InvalidFlag,
        hint: `Expose another port, e.g. --expose ${m.local}:8080`,
      });
    }
    if (seen.has(m.remote))
      throw new UsageError(`Invalid --expose: remote port ${m.remote} is given twice`, { code: ErrorCode.InvalidFlag });
    seen.add(m.remote);
  }
  return mappings;
}

/** True when something accepts TCP connections on host:port within the timeout. */
export function isListening(portNumber: number, host = '127.0.0.1', timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port: portNumber, host });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** KT_PORT_NOT_LISTENING naming every local port nothing listens on (KtConnect had this check inverted). */
export async function checkLocalPorts(mappings: readonly PortMapping[], host = '127.0.0.1'): Promise<void> {
  const answers = await Promise.all(mappings.map((m) => isListening(m.local, host)));
  const missing = mappings.filter((_, i) => !answers[i]).map((m) => m.local);
  if (missing.length === 0) return;
  throw new UserError(
    ErrorCode.PortNotListening,
    `Nothing listens on local port${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (${host})`,
    {
      hint: 'Start your program first, or pass --skipPortChecking to start it later',
    },
  );
}
