// A network namespace of our own with the stack running on a TUN device inside it (see tun-peer.ts).
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const PEER = fileURLToPath(new URL('./tun-peer.ts', import.meta.url));

export const canUseNetns = (): boolean => {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

export class StackNamespace {
  readonly name = `ktnetstack-${randomBytes(3).toString('hex')}`;
  private peer: ChildProcess | undefined;
  private lines: string[] = [];
  stderr = '';

  /** Creates the namespace and starts the stack in it on a TUN device of this MTU. */
  /** `reader`: 'fs' (one fs.read per packet, as netplatform-linux does) or 'ring' (see ring-reader.ts). */
  async start(mtu: number, loss = 0, reader: 'fs' | 'ring' = 'fs'): Promise<void> {
    execFileSync('ip', ['netns', 'add', this.name]);
    const peer = spawn(
      'ip',
      [
        'netns',
        'exec',
        this.name,
        process.execPath,
        ...(process.env.KTN_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
        '--import',
        'tsx',
        PEER,
      ],
      {
        env: { ...process.env, KTN_MTU: String(mtu), KTN_LOSS: String(loss), KTN_READER: reader },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    this.peer = peer;
    peer.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    const lines = createInterface({ input: peer.stdout! });
    lines.on('line', (line) => this.lines.push(line));
    await this.next('ready', 20_000);
  }

  /** Waits for the peer's next JSON line with this event. */
  async next(event: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const index = this.lines.findIndex((l) => l.includes(`"event":"${event}"`));
      if (index >= 0) return JSON.parse(this.lines.splice(index, 1)[0]!) as Record<string, unknown>;
      if (this.peer?.exitCode !== null) throw new Error(`the stack peer exited: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no ${event} from the stack peer: ${this.stderr}`);
  }

  /** Runs a program inside the namespace; resolves with its stdout (rejects on failure or timeout). */
  run(file: string, args: string[], timeoutMs = 60_000): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile('ip', ['netns', 'exec', this.name, file, ...args], { timeout: timeoutMs, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`${file} failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      });
    });
  }

  /** Runs a Node script (CommonJS, as `node -e`) inside the namespace. */
  node(script: string, timeoutMs = 60_000): Promise<string> {
    return this.run(process.execPath, ['-e', script], timeoutMs);
  }

  /** Stops the stack (returns its stats) and removes the namespace. */
  async stop(): Promise<Record<string, unknown> | undefined> {
    let stats: Record<string, unknown> | undefined;
    if (this.peer && this.peer.exitCode === null) {
      this.peer.stdin!.end();
      const peer = this.peer;
      const exited = new Promise((resolve) => peer.once('exit', resolve));
      stats = await this.next('stats', 5000).catch(() => undefined);
      const timer = setTimeout(() => peer.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    execFileSync('ip', ['netns', 'del', this.name], { stdio: 'ignore' });
    return stats;
  }
}
