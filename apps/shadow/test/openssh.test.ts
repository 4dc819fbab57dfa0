/**
 * The agent against OpenSSH's own client, the peer whose behaviour ktctl's SSH client must match:
 * dynamic forwarding (SOCKS), remote forwarding, and refusal of anything but an authorized public key.
 */
import { networkInterfaces } from 'node:os';
import { writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAgent, sshOptions, type AgentProcess } from './support/agent.js';
import { freePort } from '@ktctl/testkit';
import { httpServer } from './support/net.js';
import { run, startBackground, type Background } from '@ktctl/testkit';
import { waitForPort } from './support/wait.js';

let agent: AgentProcess;
let http: Awaited<ReturnType<typeof httpServer>>;
const background: Background[] = [];

beforeAll(async () => {
  [agent, http] = await Promise.all([spawnAgent({}, { dnsPort: await freePort() }), httpServer('hello from the cluster')]);
});

afterAll(async () => {
  await Promise.all(background.map((b) => b.stop()));
  http?.server.close();
  await agent?.stop();
});

/** Starts `ssh -N` with the given forwarding flags, kept until the end of the file. */
async function sshForward(args: string[], ready?: RegExp): Promise<Background> {
  const overrides = ready ? ['LogLevel=INFO'] : [];
  const ssh = await startBackground(
    'ssh',
    [...sshOptions(agent, agent.key, overrides), '-N', ...args, 'root@127.0.0.1'],
    ready ? { ready } : {},
  );
  background.push(ssh);
  return ssh;
}

/** An address of this machine other than loopback, to show a forward listens on every interface. */
function otherLocalAddress(): string | undefined {
  const all = Object.values(networkInterfaces()).flat();
  return all.find((a) => a && !a.internal && a.family === 'IPv4')?.address ?? all.find((a) => a?.address === '::1')?.address;
}

describe('OpenSSH client against the agent', () => {
  it('ssh -D: curl through the SOCKS proxy reaches a local HTTP server', async () => {
    const socksPort = await freePort();
    await sshForward(['-D', `127.0.0.1:${socksPort}`]);
    await waitForPort(socksPort);
    const curl = await run('curl', [
      '-sS',
      '--max-time',
      '5',
      '--socks5-hostname',
      `127.0.0.1:${socksPort}`,
      `http://127.0.0.1:${http.port}/`,
    ]);
    expect(curl.stderr).toBe('');
    expect(curl.stdout).toBe('hello from the cluster');
    expect(agent.output()).toMatch(new RegExp(`direct-tcpip 127.0.0.1:${http.port} open`));
  });

  it('ssh -D: a refused target fails the SOCKS request instead of giving an empty connection', async () => {
    const socksPort = await freePort();
    const closed = await freePort();
    await sshForward(['-D', `127.0.0.1:${socksPort}`]);
    await waitForPort(socksPort);
    const curl = await run('curl', [
      '-sS',
      '--max-time',
      '5',
      '--socks5-hostname',
      `127.0.0.1:${socksPort}`,
      `http://127.0.0.1:${closed}/`,
    ]);
    expect(curl.code).not.toBe(0);
    expect(curl.stderr).toMatch(/SOCKS|connect/i);
  });

  it('ssh -R: a port on the agent, on all its interfaces, leads to the local server', async () => {
    const remotePort = await freePort();
    await sshForward(['-R', `127.0.0.1:${remotePort}:127.0.0.1:${http.port}`]);
    await waitForPort(remotePort);
    const viaLoopback = await run('curl', ['-sS', '--max-time', '5', `http://127.0.0.1:${remotePort}/`]);
    expect(viaLoopback.stdout).toBe('hello from the cluster');
    const other = otherLocalAddress();
    if (other) {
      const host = other.includes(':') ? `[${other}]` : other;
      const viaOther = await run('curl', ['-sS', '--max-time', '5', `http://${host}:${remotePort}/`]);
      expect(viaOther.stdout).toBe('hello from the cluster');
    }
  });

  it('ssh -R 0: the agent reports the port it bound and connections to it arrive', async () => {
    const ssh = await sshForward(['-R', `0:127.0.0.1:${http.port}`], /Allocated port \d+/);
    const port = Number(/Allocated port (\d+)/.exec(ssh.output())?.[1]);
    expect(port).toBeGreaterThan(0);
    const curl = await run('curl', ['-sS', '--max-time', '5', `http://127.0.0.1:${port}/`]);
    expect(curl.stdout).toBe('hello from the cluster');
  });

  it('rejects a key that is not in the authorized keys file', async () => {
    const ssh = await run('ssh', [...sshOptions(agent, agent.otherKey), '-N', 'root@127.0.0.1'], 10_000);
    expect(ssh.code).toBe(255);
    expect(ssh.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  it('rejects password authentication, offering only publickey', async () => {
    const askpass = join(agent.dir, 'askpass.sh');
    await writeFile(askpass, '#!/bin/sh\necho hunter2\n');
    await chmod(askpass, 0o755);
    const overrides = [
      'BatchMode=no',
      'PubkeyAuthentication=no',
      'PreferredAuthentications=password,keyboard-interactive',
      'NumberOfPasswordPrompts=1',
    ];
    const env = { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' };
    const ssh = await run('ssh', [...sshOptions(agent, agent.key, overrides), '-N', 'root@127.0.0.1'], 10_000, env);
    expect(ssh.code).toBe(255);
    expect(ssh.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  it('refuses shell and exec: the agent is no login host', async () => {
    const ssh = await run('ssh', [...sshOptions(agent, agent.key), 'root@127.0.0.1', 'id'], 10_000);
    expect(ssh.code).not.toBe(0);
    expect(ssh.stdout).not.toMatch(/uid=/);
  });
});
