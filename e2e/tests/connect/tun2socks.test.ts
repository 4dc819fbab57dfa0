// What only tun2socks mode does: the TUN device kt0 and its routes, UDP to a Service and to a pod through
// the agent's UDP relay, ping, a closed port refused at once, --disableTunRoute, and Ctrl-C putting
// everything back. (The TCP and DNS behaviour both modes share is in modes.test.ts, kill -9 in
// crash-and-clean.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Background, useClusterEnv, waitFor } from '../../harness/index.js';
import { ktObjects, ktctlEnv, laptopState, startConnect } from './ktctl.js';

const { cluster, laptop } = useClusterEnv(import.meta.filename);
const ns = cluster.facts.testNamespace;

/** Sends one UDP datagram from the laptop and prints the answer as JSON (or `timeout`). */
const udpProbe = (host: string, port: number, text: string) => `
  const s = require('dgram').createSocket('udp4');
  s.on('message', (m, r) => { console.log(JSON.stringify({ text: String(m), from: r.address + ':' + r.port })); process.exit(0); });
  s.send('${text}', ${port}, '${host}');
  setTimeout(() => { console.log('timeout'); process.exit(0); }, 3000);`;

/** One ICMP echo from the laptop (a raw socket: no ping binary needed); prints `reply`, `unreachable <code>` or `timeout`. */
const pingProbe = (host: string) => `
import os, socket, struct, sys
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); s.settimeout(3)
ident = os.getpid() & 0xffff; body = b'ktctl-ping-probe'
head = struct.pack('!BBHHH', 8, 0, 0, ident, 1)
s.sendto(struct.pack('!BBHHH', 8, 0, csum(head + body), ident, 1) + body, ('${host}', 0))
try:
    while True:
        data, src = s.recvfrom(2048)
        icmp = data[(data[0] & 15) * 4:]
        if icmp[0] == 0 and struct.unpack('!H', icmp[4:6])[0] == ident: print('reply', src[0]); break
        if icmp[0] == 3: print('unreachable', icmp[1]); break
except socket.timeout:
    print('timeout')
`;

async function udp(host: string, port: number, text: string): Promise<unknown> {
  const out = (await laptop.run('node', ['-e', udpProbe(host, port, text)], { timeoutMs: 10_000 })).stdout.trim();
  return out === 'timeout' ? out : JSON.parse(out);
}

/** Waits for a stopped ktctl to exit by itself; a timeout shows what it printed. */
async function waitForExit(connect: Background): Promise<void> {
  const alive = (): boolean => {
    try {
      process.kill(connect.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  await waitFor(async () => !alive(), { timeoutMs: 30_000, intervalMs: 200, what: `ktctl (pid ${connect.pid}) to exit` }).catch(
    (error: Error) => {
      throw new Error(`${error.message}; it printed:\n${connect.output()}`);
    },
  );
}

describe('connect --mode tun2socks', () => {
  const { args, env } = ktctlEnv(cluster);
  let before: Record<string, string>;
  let connect: Background | undefined;

  beforeAll(async () => {
    before = await laptopState(laptop);
    connect = await startConnect(laptop, [...args, '-n', ns, '--mode', 'tun2socks'], env);
  }, 180_000);

  afterAll(async () => {
    await connect?.stop(20_000);
  });

  it('routes the cluster ranges through kt0 (a /32 in 198.18.0.0/15, MTU 65000), never the API server', async () => {
    expect((await laptop.run('ip', ['-o', 'addr', 'show', 'kt0'])).stdout).toContain('inet 198.18.0.1/32');
    expect((await laptop.run('ip', ['link', 'show', 'kt0'])).stdout).toContain('mtu 65000');
    const [podIP] = await cluster.podIPs(ns, 'app=web');
    for (const ip of [await cluster.serviceIP(ns, 'echo'), podIP!])
      expect((await laptop.run('ip', ['route', 'get', ip])).stdout).toMatch(/dev kt0 src 198\.18\.0\.1/);
    const apiServer = new URL(cluster.facts.apiServer).hostname;
    expect((await laptop.run('ip', ['route', 'get', apiServer])).stdout).not.toContain('kt0');
    expect(connect!.output()).toMatch(/TUN device kt0 \(198\.18\.0\.1\), routed: /);
  });

  it('carries UDP to a Service and to a pod IP, replies coming from where they were sent', async () => {
    const echoIP = await cluster.serviceIP(ns, 'echo');
    const [echoPod] = await cluster.podIPs(ns, 'app=echo');
    expect(await udp(echoIP, 9001, 'via-service')).toEqual({ text: 'via-service', from: `${echoIP}:9001` });
    expect(await udp(echoPod!, 9001, 'via-pod')).toEqual({ text: 'via-pod', from: `${echoPod}:9001` });
  });

  it('asks the cluster DNS directly over UDP (dig @kube-dns)', async () => {
    const dig = await laptop.run('dig', [
      '+short',
      '+notcp',
      '+time=3',
      '+tries=1',
      `@${cluster.facts.dnsIP}`,
      `web.${ns}.svc.cluster.local`,
    ]);
    expect(dig.stdout.trim()).toBe(await cluster.serviceIP(ns, 'web'));
  });

  it('refuses a connection to a closed port at once, as the port itself would', async () => {
    const [podIP] = await cluster.podIPs(ns, 'app=web');
    const started = Date.now();
    const result = await laptop.run('bash', ['-c', `exec 3<>/dev/tcp/${podIP}/8081`], { timeoutMs: 15_000 });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Connection refused/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('answers a ping to a cluster address while the tunnel is up', async () => {
    const [podIP] = await cluster.podIPs(ns, 'app=web');
    const ping = await laptop.run('python3', ['-c', pingProbe(podIP!)], { timeoutMs: 10_000 });
    expect(ping.stdout.trim(), ping.stderr).toBe(`reply ${podIP}`);
  });

  it('puts everything back on Ctrl-C', async () => {
    process.kill(-connect!.pid, 'SIGINT');
    await connect!.waitForOutput(/Disconnecting/, 10_000);
    await waitForExit(connect!);
    connect = undefined;
    expect(await laptopState(laptop)).toEqual(before);
    expect((await laptop.run('ip', ['link', 'show', 'kt0'])).code).not.toBe(0);
    await waitFor(async () => (await ktObjects(cluster, ns)).length === 0, {
      timeoutMs: 30_000,
      what: 'the shadow pod and ConfigMap to go',
    });
  });
});

describe('connect --mode tun2socks --disableTunRoute', () => {
  it('makes kt0 but routes nothing, printing the routes to add; a route added by hand works', async () => {
    const { args, env } = ktctlEnv(cluster);
    const before = await laptopState(laptop);
    const connect = await startConnect(laptop, [...args, '-n', ns, '--mode', 'tun2socks', '--disableTunRoute'], env);
    try {
      const [podIP] = await cluster.podIPs(ns, 'app=web');
      expect(connect.output()).toMatch(/sudo ip route add \S+ dev kt0/);
      expect((await laptop.run('ip', ['route', 'show', 'dev', 'kt0'])).stdout.trim()).toBe('');
      expect((await laptop.curl(`http://${podIP}:8080/`, [], 3)).code).not.toBe(0);
      await laptop.run('ip', ['route', 'add', `${podIP}/32`, 'dev', 'kt0']);
      expect((await laptop.curl(`http://${podIP}:8080/`, [], 10)).stdout).toMatch(/^hello from web-/);
    } finally {
      await connect.stop(20_000);
    }
    // The hand-made route went with the device.
    expect(await laptopState(laptop)).toEqual(before);
  });
});
