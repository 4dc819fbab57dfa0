// A TUN device (`kt0`) made through /dev/net/tun and TUNSETIFF: packets routed into it are read by the
// process, packets it writes come out of it, and it is gone after SIGTERM or kill -9 plus restoreStale().
import { describe, expect, it } from 'vitest';
import { hostKtTraces, restoreStale, sandboxSuite, snapshot, Subject, withTimeout } from './sandbox.js';

const TUN = { tun: { name: 'kt0', address: '10.255.0.1/32' }, routes: [{ cidr: '10.99.0.0/16', device: 'kt0' }] };

/** Sends one UDP datagram from inside the namespace and prints the answer (or `timeout`). */
const udpProbe = (host: string, port: number, text: string) => `
  const s = require('dgram').createSocket('udp4');
  s.on('message', (m, r) => { console.log(JSON.stringify({ text: String(m), from: r.address + ':' + r.port })); process.exit(0); });
  s.send('${text}', ${port}, '${host}');
  setTimeout(() => { console.log('timeout'); process.exit(0); }, 1500);`;

describe('a TUN device', () => {
  const { netns, sandbox, subjects, before } = sandboxSuite();

  it('carries packets both ways and is removed with its route on SIGTERM', async () => {
    const subject = new Subject(netns, sandbox, { action: 'connect', ...TUN });
    subjects.push(subject);
    expect((await subject.next('ready')).event).toBe('ready');
    expect(await netns.run('ip', ['-o', 'addr', 'show', 'kt0'])).toContain('inet 10.255.0.1/32');
    expect(JSON.parse(await netns.node(udpProbe('10.99.0.7', 9999, 'ping')))).toEqual({ text: 'pong:ping', from: '10.99.0.7:9999' });
    expect(subject.events).toContainEqual(expect.objectContaining({ event: 'packet', dst: '10.99.0.7', dport: 9999, payload: 'ping' }));
    expect(await subject.stop()).toBe(0);
    expect(await snapshot(netns, sandbox)).toEqual(before());
  });

  it('vanishes with a killed process, and restoreStale() finishes the journal', async () => {
    const subject = new Subject(netns, sandbox, { action: 'connect', ...TUN });
    subjects.push(subject);
    const ready = await subject.next('ready');
    process.kill(ready.pid as number, 'SIGKILL');
    await withTimeout(subject.exited, 'the killed subject');
    const restored = await restoreStale(netns, sandbox);
    expect(restored.report).toMatchObject({ restored: [{ pid: ready.pid, changes: 2 }], failed: [] });
    expect(await snapshot(netns, sandbox)).toEqual(before());
  });
});

describe('the host', () => {
  it('never saw any of it', async () => {
    expect(await hostKtTraces()).toEqual([]);
  });
});
