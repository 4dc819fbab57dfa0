import { connect } from 'node:net';
import { ErrorCode, UsageError, UserError } from '@ktctl/plugin-api';

/** One `--expose` entry: cluster connections to `remote` (the Service's port and target port) reach `local` here. */
export interface ExposedPort {
  local: number;
  remote: number;
}

function port(text: string, entry: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new UsageError(`Invalid --expose entry "${entry}": ports are numbers 1-65535`, { code: ErrorCode.InvalidFlag, hint: 'Write port or local:remote, comma separated, e.g. --expose 8080 or --expose 3000:80,9000' });
  return n;
}

/**
 * `8080,3000:80` → `[{8080→8080}, {3000→80}]`; every remote port once, and none of `reserved` (the
 * shadow agent's own ports: @ktctl/kube's AGENT_SSH_PORT and AGENT_DNS_PORT).
 */
export function parseExpose(text: string | undefined, reserved: readonly number[] = [22, 53]): ExposedPort[] {
  const entries = (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) throw new UsageError('--expose is required: the local ports the preview Service leads to', { code: ErrorCode.Usage, hint: 'e.g. --expose 8080 (same port) or --expose 3000:80 (local 3000 behind Service port 80)' });
  const ports = entries.map((entry) => {
    const parts = entry.split(':');
    if (parts.length > 2) throw new UsageError(`Invalid --expose entry "${entry}": expected port or local:remote`, { code: ErrorCode.InvalidFlag });
    const local = port(parts[0]!, entry);
    return { local, remote: parts[1] === undefined ? local : port(parts[1], entry) };
  });
  const taken = ports.find((p) => reserved.includes(p.remote));
  if (taken) throw new UsageError(`Remote port ${taken.remote} is the shadow agent's own (${reserved.join(', ')})`, { code: ErrorCode.InvalidFlag, hint: `Expose another port, e.g. --expose ${taken.local}:8080` });
  const seen = new Set<number>();
  for (const p of ports) {
    if (seen.has(p.remote)) throw new UsageError(`--expose names remote port ${p.remote} twice`, { code: ErrorCode.InvalidFlag });
    seen.add(p.remote);
  }
  return ports;
}

/** True when something accepts TCP connections on host:port within the timeout. */
export function isListening(portNumber: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
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
export async function requireListening(ports: readonly ExposedPort[], host = '127.0.0.1'): Promise<void> {
  const answers = await Promise.all(ports.map((p) => isListening(p.local, host)));
  const missing = ports.filter((_, i) => !answers[i]).map((p) => p.local);
  if (missing.length === 0) return;
  throw new UserError(ErrorCode.PortNotListening, `Nothing listens on local port${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (${host})`, {
    hint: 'Start your program first, or pass --skipPortChecking to start it later',
  });
}

/** A Service name (DNS-1035 label) short enough that the shadow `<name>-kt-<5>` is one too. */
export function checkPreviewName(name: string): string {
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 54) {
    throw new UsageError(`"${name}" cannot be a Service name`, { code: ErrorCode.Usage, hint: 'Use at most 54 lowercase letters, digits and "-", starting with a letter' });
  }
  return name;
}
