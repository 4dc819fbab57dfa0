// The Linux platform for real, as root, inside a network namespace of its own: routes, resolv.conf, the hosts
// file and iptables/nft rules go in, a redirected connection finds its original destination, and after
// SIGTERM everything is exactly as before. Run: vitest run --config e2e/vitest.config.ts tests/netplatform
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addUserRules,
  CLUSTER,
  tcpProbe,
  Netns,
  ORIGINAL_HOSTS,
  ORIGINAL_RESOLV,
  Sandbox,
  snapshot,
  Subject,
  type SubjectEvent,
  hostKtTraces,
} from './sandbox.js';

for (const backend of ['iptables', 'nft'] as const) {
  describe(`a connect session with ${backend} rules`, () => {
    const netns = new Netns();
    const sandbox = new Sandbox();
    let before: Record<string, string>;
    let subject: Subject | undefined;
    let ready: SubjectEvent;

    beforeAll(async () => {
      await netns.create();
      await addUserRules(netns);
      before = await snapshot(netns, sandbox);
      subject = new Subject(netns, sandbox, { action: 'connect', backend, ...CLUSTER });
      ready = await subject.next('ready');
    });

    afterAll(async () => {
      subject?.kill();
      await netns.destroy();
      sandbox.remove();
    });

    it('starts, with the backends asked for', () => {
      expect(ready).toMatchObject({ event: 'ready', dnsBackend: 'resolv.conf', redirectBackend: backend });
    });

    it('adds the cluster route next to the user routes, never a default route', async () => {
      const routes = await netns.run('ip', ['route']);
      expect(routes).toContain('10.99.0.0/16 dev ktnp0');
      expect(routes).toContain('198.51.100.0/24 via 192.168.77.1');
      expect(routes).not.toMatch(/^default/m);
    });

    it('puts our nameserver first in /etc/resolv.conf with the old lines commented out', () => {
      const text = readFileSync(sandbox.resolvConf, 'utf8');
      expect(
        text.startsWith('# Kt DNS Begin\nnameserver 127.0.0.1\nsearch default.svc.cluster.local svc.cluster.local corp.example\n'),
      ).toBe(true);
      expect(text).toContain('#kt-disabled# nameserver 10.255.0.2\n');
    });

    it('adds the hosts block after the untouched user lines', () => {
      expect(readFileSync(sandbox.hosts, 'utf8')).toBe(
        `${ORIGINAL_HOSTS}\n# Kt Hosts Begin\n10.99.0.5 web web.default web.default.svc.cluster.local\n# Kt Hosts End\n`,
      );
    });

    it('has its own chain or table, and keeps the user rules', async () => {
      if (backend === 'iptables') {
        const rules = await netns.run('iptables-save', ['-t', 'nat']);
        expect(rules).toContain('-A OUTPUT -j KT_CONNECT');
        expect(rules).toMatch(/-A KT_CONNECT -d 10\.99\.0\.0\/16 -p tcp -j REDIRECT --to-ports \d+/);
        expect(rules).toContain('-A OUTPUT -d 192.0.2.1/32 -j RETURN');
      } else {
        expect(await netns.run('nft', ['list', 'table', 'ip', 'ktctl'])).toContain('ip daddr 10.99.0.0/16 meta l4proto tcp redirect to :');
      }
    });

    it('redirects TCP for a cluster address to the local listener, which reads the original destination', async () => {
      const answer = await netns.node(tcpProbe('10.99.0.7', 8080));
      expect(JSON.parse(answer)).toEqual({ address: '10.99.0.7', port: 8080 });
      expect(subject!.events).toContainEqual({ event: 'accepted', original: { address: '10.99.0.7', port: 8080 } });
      const other = await netns.node(tcpProbe('10.99.200.1', 443));
      expect(JSON.parse(other)).toEqual({ address: '10.99.200.1', port: 443 });
    });

    it('leaves an excluded address alone', async () => {
      const accepted = subject!.events.filter((e) => e.event === 'accepted').length;
      expect(await netns.node(tcpProbe('10.99.9.9', 8080))).not.toContain('10.99.9.9');
      expect(subject!.events.filter((e) => e.event === 'accepted')).toHaveLength(accepted);
    });

    it('sends DNS for 127.0.0.1:53 to the local DNS port', async () => {
      const answer = await netns.node(`
        const dgram = require('dgram');
        const server = dgram.createSocket('udp4');
        server.on('message', (m, from) => server.send(Buffer.concat([Buffer.from('echo:'), m]), from.port, from.address));
        server.bind(5353, '127.0.0.1', () => {
          const client = dgram.createSocket('udp4');
          client.on('message', (m) => { console.log(String(m)); process.exit(0); });
          client.send('query', 53, '127.0.0.1');
          setTimeout(() => { console.log('timeout'); process.exit(0); }, 1500);
        });`);
      expect(answer.trim()).toBe('echo:query');
    });

    it('refuses a second connect while the first lives, changing nothing', async () => {
      const during = await snapshot(netns, sandbox);
      const second = new Subject(netns, sandbox, { action: 'connect', backend, ...CLUSTER });
      expect(await second.next('ready')).toMatchObject({ event: 'error', code: 'KT_ALREADY_RUNNING' });
      expect(await second.exited).toBe(3);
      expect(await snapshot(netns, sandbox)).toEqual(during);
    });

    it('on SIGTERM restores routes, resolv.conf, hosts and rules byte for byte', async () => {
      expect(await subject!.stop()).toBe(0);
      expect(subject!.events.at(-1)).toEqual({ event: 'closed' });
      expect(await snapshot(netns, sandbox)).toEqual(before);
      expect(readFileSync(sandbox.resolvConf, 'utf8')).toBe(ORIGINAL_RESOLV);
    });
  });
}

describe('the host', () => {
  it('never saw any of it', async () => {
    expect(await hostKtTraces()).toEqual([]);
  });
});
