/**
 * The shadow image's own filesystem, without a cluster: unpack each platform's layers and run the
 * entrypoint in a chroot (arm64 under qemu when it is installed). Proves the image carries every library
 * Node needs and no shell, and that the agent in it answers OpenSSH. Needs root (chroot).
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startBackground, type Background } from '../../harness/exec.js';
import { waitFor } from '../../harness/wait.js';
import { buildShadowImage, canConnect, freePort, HOST_ARCH, keygen, sshArgs, unpackPlatform } from './support.js';

const work = mkdtempSync(join(tmpdir(), 'kt-shadow-rootfs-'));
const running: Background[] = [];
let image: { tarball: string; report: string };
let http: Server;
let httpPort: number;

beforeAll(async () => {
  image = await buildShadowImage('ktctl.local/shadow:e2e');
  http = createServer((_req, res) => res.end('hello through the image'));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  httpPort = (http.address() as { port: number }).port;
});

afterAll(async () => {
  await Promise.all(running.map((b) => b.stop()));
  http?.close();
  rmSync(work, { recursive: true, force: true });
});

const QEMU_ARM64 = '/usr/bin/qemu-aarch64-static';

/** Unpacks one platform, runs its entrypoint chrooted (through `emulator` if given), and curls through ssh -D. */
async function expectAgentAnswers(arch: string, emulator: string[]): Promise<void> {
  const { rootfs, config } = unpackPlatform(image.tarball, arch, join(work, arch));
  expect(config).toMatchObject({ Entrypoint: ['/usr/local/bin/node', '/opt/ktctl/shadow.cjs'], User: '0:0' });
  expect(existsSync(join(rootfs, 'bin/sh'))).toBe(false);
  if (emulator.length) copyFileSync(QEMU_ARM64, join(rootfs, emulator[0]!));
  const key = keygen(join(work, `id-${arch}`));
  copyFileSync(`${key}.pub`, join(rootfs, 'root/authorized_keys'));
  writeFileSync(join(rootfs, 'etc/resolv.conf'), 'search kt.svc.cluster.local svc.cluster.local cluster.local\nnameserver 127.0.0.1\n');
  const [sshPort, muxPort, dnsPort, socksPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  // Every port of its own: the agents of both platforms share the host's loopback (and so does any other
  // agent on this machine; the mux port's default 2222 was taken by the first platform's agent).
  const env = {
    KT_SSH_PORT: String(sshPort),
    KT_MUX_PORT: String(muxPort),
    KT_DNS_PORT: String(dnsPort),
    KT_DNS_HOST: '127.0.0.1',
    KT_AUTHORIZED_KEYS: '/root/authorized_keys',
    PATH: '/usr/local/bin',
  };
  const started = Date.now();
  const agent = startBackground('/usr/sbin/chroot', [rootfs, ...emulator, ...(config.Entrypoint as string[])], { env });
  running.push(agent);
  await agent.waitForOutput(/ready: ssh port/, 30_000);
  process.stdout.write(
    `shadow image (chroot, ${arch}${emulator.length ? ', emulated' : ''}): spawn → ready in ${Date.now() - started} ms\n`,
  );
  const ssh = startBackground('ssh', [...sshArgs(key, sshPort), '-N', '-D', `127.0.0.1:${socksPort}`, 'root@127.0.0.1']);
  running.push(ssh);
  await waitFor(() => canConnect(socksPort), { timeoutMs: 20_000, what: 'ssh -D listening' });
  const curl = await run('curl', [
    '-sS',
    '--max-time',
    '10',
    '--socks5-hostname',
    `127.0.0.1:${socksPort}`,
    `http://127.0.0.1:${httpPort}/`,
  ]);
  expect(curl.stdout).toBe('hello through the image');
}

describe('the shadow image', () => {
  it('is built for amd64 and arm64 and reports its sizes', () => {
    expect(image.report).toMatch(/linux\/amd64: [\d.]+ MB compressed, [\d.]+ MB uncompressed/);
    expect(image.report).toMatch(/linux\/arm64: [\d.]+ MB compressed, [\d.]+ MB uncompressed/);
  });

  it('runs its entrypoint in a chroot of its own files and answers OpenSSH', async () => {
    await expectAgentAnswers(HOST_ARCH, []);
  });

  // The other platform through qemu's user-mode emulator copied into the chroot (apt: qemu-user-static).
  it.runIf(existsSync(QEMU_ARM64) && HOST_ARCH === 'amd64')('runs the arm64 image the same way, under qemu', async () => {
    await expectAgentAnswers('arm64', ['/qemu-aarch64-static']);
  });
});
