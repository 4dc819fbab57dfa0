import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSshKeyPair } from '../src/ssh/keys.js';

const AGENT = fileURLToPath(new URL('../../../apps/shadow/dist/shadow.cjs', import.meta.url));

export interface Agent {
  readonly sshPort: number;
  readonly muxPort: number;
  readonly privateKey: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** A fresh ed25519 key pair in OpenSSH format. */
export function keyPair(): { privateKey: string; publicKey: string } {
  return generateSshKeyPair();
}

/** Runs the real shadow agent on loopback with one authorized key; resolves once it is listening. */
export async function startAgent(
  options: { sshPort?: number; muxPort?: number; privateKey?: string; publicKey?: string } = {},
): Promise<Agent> {
  const keys = options.privateKey && options.publicKey ? { privateKey: options.privateKey, publicKey: options.publicKey } : keyPair();
  const dir = mkdtempSync(join(tmpdir(), 'kt-tunnel-agent-'));
  writeFileSync(join(dir, 'authorized_keys'), `${keys.publicKey}\n`);
  writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\n');
  const child = spawn(process.execPath, [AGENT], {
    env: {
      PATH: process.env.PATH ?? '',
      KT_SSH_HOST: '127.0.0.1',
      KT_SSH_PORT: String(options.sshPort ?? 0),
      KT_MUX_PORT: String(options.muxPort ?? 0),
      KT_DNS_HOST: '127.0.0.1',
      KT_DNS_PORT: '0',
      KT_AUTHORIZED_KEYS: join(dir, 'authorized_keys'),
      KT_RESOLV_CONF: join(dir, 'resolv.conf'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [sshPort, muxPort] = await new Promise<[number, number]>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`agent not ready in 10 s: ${output}`)), 10_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const ready = /ready: ssh port (\d+), .*mux port (\d+)/.exec(output);
      if (ready) {
        clearTimeout(timer);
        resolve([Number(ready[1]), Number(ready[2])]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`agent exited ${code}: ${output}`)));
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { sshPort, muxPort, privateKey: keys.privateKey, process: child, stop };
}
