// The release workflow's push and check, for real: our layout pushed with crane (the workflow's push tool)
// to a throwaway local registry, read back with `crane digest` and `crane manifest`, and checked.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushedImageProblems, readImageLayout } from './image-layout.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const crane = join(repo, '.cache', 'bin', 'crane');
const dir = mkdtempSync(join(tmpdir(), 'ktctl-crane-'));
let registry: ChildProcess | undefined;
let address = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function startRegistry(): Promise<void> {
  address = `127.0.0.1:${await freePort()}`;
  registry = spawn(crane, ['registry', 'serve', '--address', address], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://${address}/v2/`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('crane registry serve did not start');
}

beforeAll(async () => {
  if (!existsSync(crane)) throw new Error(`${crane} is missing: run tools/go-tools.sh (npm test does)`);
  await startRegistry();
});
afterAll(() => {
  registry?.kill();
  rmSync(dir, { recursive: true, force: true });
});

const run = (args: string[]): string => execFileSync(crane, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('a shadow-shaped image pushed with crane', () => {
  it("is served as one index of both platforms, the tarball's digests throughout", () => {
    writeFileSync(join(dir, 'agent.cjs'), 'console.log("agent")\n');
    const tarball = join(dir, 'shadow.oci.tar');
    const ref = `${address}/ktctl/shadow:1.2.3`;
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(repo, 'tools', 'oci-image', 'src', 'cli.ts'),
        '--ref',
        ref,
        '--out',
        tarball,
        '--arch',
        'amd64',
        '--arch',
        'arm64',
        '--add',
        `/opt/ktctl/shadow.cjs=${join(dir, 'agent.cjs')}`,
      ],
      { cwd: repo, stdio: 'pipe' },
    );
    // As the workflow does it: unpack the layout, push the index it points at, read back what is served.
    mkdirSync(join(dir, 'layout'));
    execFileSync('tar', ['-xf', tarball, '-C', join(dir, 'layout')]);
    run(['push', '--insecure', join(dir, 'layout'), ref]);
    const digest = run(['digest', '--insecure', ref]);
    const manifest = Buffer.from(run(['manifest', '--insecure', ref]));
    const layout = readImageLayout(readFileSync(tarball));
    expect(digest.trim()).toBe(layout.digest);
    expect(pushedImageProblems(layout, { digest, manifest }, ['linux/amd64', 'linux/arm64'])).toEqual([]);
    expect(run(['digest', '--insecure', '--platform', 'linux/arm64', ref]).trim()).toBe(layout.images[1]!.digest);
    // A tag pushed from a single-platform image is caught.
    const single = `${address}/ktctl/shadow:single`;
    run(['copy', '--insecure', '--platform', 'linux/amd64', ref, single]);
    const problems = pushedImageProblems(
      layout,
      { digest: run(['digest', '--insecure', single]), manifest: Buffer.from(run(['manifest', '--insecure', single])) },
      ['linux/amd64', 'linux/arm64'],
    );
    expect(problems.at(-1)).toBe('the pushed image is not a multi-platform index');
  });
});
