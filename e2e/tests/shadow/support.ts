import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runOk } from '../../harness/exec.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CACHE = join(REPO, '.cache', 'shadow-e2e');

/** The host's architecture as image platforms name it. */
export const HOST_ARCH = process.arch === 'arm64' ? 'arm64' : 'amd64';

/** Builds the shadow image (both platforms) under a test reference; returns the OCI tarball and the build's report. */
export async function buildShadowImage(ref: string): Promise<{ tarball: string; report: string }> {
  mkdirSync(CACHE, { recursive: true });
  const tarball = join(CACHE, 'shadow-e2e.oci.tar');
  const report = await runOk('npm', ['run', '--silent', 'build:image', '-w', 'apps/shadow', '--', '--ref', ref, '--out', tarball], {
    timeoutMs: 170_000,
  });
  return { tarball, report };
}

interface Descriptor {
  digest: string;
  mediaType: string;
  platform?: { architecture: string };
}

/** Unpacks one platform's layers of an OCI layout tarball into `rootfs`; returns that platform's image config. */
export function unpackPlatform(tarball: string, arch: string, work: string): { rootfs: string; config: Record<string, unknown> } {
  const layout = join(work, 'layout');
  const rootfs = join(work, `rootfs-${arch}`);
  mkdirSync(layout, { recursive: true });
  mkdirSync(rootfs, { recursive: true });
  execFileSync('tar', ['-xf', tarball, '-C', layout]);
  const blob = (d: string) => join(layout, 'blobs', 'sha256', d.slice(7));
  const json = <T>(d: string): T => JSON.parse(readFileSync(blob(d), 'utf8')) as T;
  const root = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  const index = json<{ manifests: Descriptor[] }>(root.manifests[0]!.digest);
  const entry = index.manifests.find((m) => m.platform?.architecture === arch);
  if (!entry) throw new Error(`no ${arch} image in ${tarball}`);
  const manifest = json<{ config: Descriptor; layers: Descriptor[] }>(entry.digest);
  for (const layer of manifest.layers) execFileSync('tar', ['-xzf', blob(layer.digest), '-C', rootfs]);
  return { rootfs, config: json<{ config: Record<string, unknown> }>(manifest.config.digest).config };
}

/** A fresh ed25519 key pair made by OpenSSH's ssh-keygen; returns the private key's path. */
export function keygen(path: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'kt-e2e', '-f', path]);
  return path;
}

/** OpenSSH client arguments: no prompts, no known-hosts bookkeeping, bounded waits. */
export function sshArgs(key: string, port: number, extra: string[] = []): string[] {
  const options = [
    ...extra,
    'BatchMode=yes',
    'StrictHostKeyChecking=no',
    'UserKnownHostsFile=/dev/null',
    'LogLevel=ERROR',
    'ConnectTimeout=10',
    'IdentitiesOnly=yes',
    'ExitOnForwardFailure=yes',
    'ServerAliveInterval=5',
  ];
  return ['-F', '/dev/null', ...options.flatMap((o) => ['-o', o]), '-i', key, '-p', String(port)];
}

/** A free TCP port on the host. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** True when a TCP connection to host:port opens within a second. */
export async function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ port, host, timeout: 1_000 }, () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false)).on('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/** Runs a command to completion inside a network namespace (bounded); never writes its stdin. */
export function netnsRun(
  netns: string,
  cmd: string,
  args: string[],
  timeoutMs = 15_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', netns, cmd, ...args], { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}
