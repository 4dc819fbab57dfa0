// The Linux kernel's TCP and UDP talking to the stack through a real TUN device, in a namespace of our own.
// Needs root (CI runs as root); skipped otherwise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canUseNetns, StackNamespace } from './netns.js';

/** A kernel TCP client: sends `size` pseudo-random bytes to host:port, reads everything back, prints a summary. */
const tcpClient = (host: string, port: number, size: number, endAfterSend: boolean) => `
  const net = require('net'), crypto = require('crypto');
  const data = crypto.randomBytes(${size});
  const socket = net.connect({ host: '${host}', port: ${port}, allowHalfOpen: true });
  const chunks = []; let error = null;
  socket.on('data', (c) => chunks.push(c));
  socket.on('error', (e) => { error = e.code; });
  socket.on('close', () => {
    const back = Buffer.concat(chunks);
    console.log(JSON.stringify({ error, sent: crypto.createHash('sha256').update(data).digest('hex'), size: data.length,
      back: back.length, echoed: back.equals(data), text: back.length < 200 ? back.toString() : '' }));
  });
  socket.on('connect', () => { socket.write(data); ${endAfterSend ? 'socket.end();' : ''} });
  ${endAfterSend ? '' : 'socket.on("data", () => { if (Buffer.concat(chunks).length >= data.length) socket.end(); });'}
`;

const udpClient = (host: string, family: 'udp4' | 'udp6', size: number) => `
  const s = require('dgram').createSocket('${family}');
  const data = require('crypto').randomBytes(${size});
  s.on('message', (m) => { console.log(JSON.stringify({ same: m.equals(data), length: m.length })); process.exit(0); });
  s.send(data, 5353, '${host}');
  setTimeout(() => { console.log('timeout'); process.exit(0); }, 3000);
`;

describe.skipIf(!canUseNetns()).each([1500, 65000])('the kernel talking to the stack over a TUN device of MTU %i', (mtu) => {
  const ns = new StackNamespace();

  beforeAll(async () => {
    await ns.start(mtu);
  }, 30_000);

  afterAll(async () => {
    const stats = await ns.stop();
    expect(stats).toMatchObject({ writeErrors: 0 });
  });

  it('echoes 8 MiB both ways at once over IPv4 (windows and backpressure in both directions)', async () => {
    const result = JSON.parse(await ns.node(tcpClient('10.202.0.5', 7, 8 << 20, false)));
    expect(result).toMatchObject({ error: null, back: 8 << 20, echoed: true });
  }, 60_000);

  it('takes an upload, sees the half-close, and answers after it', async () => {
    const result = JSON.parse(await ns.node(tcpClient('10.202.0.5', 9, 3_000_001, true)));
    expect(result.error).toBeNull();
    expect(result.text).toBe(`3000001 ${result.sent}`);
  }, 60_000);

  it('lets a stalled reader on either side close the window and reopen it', async () => {
    // The stack's reader pauses after each MiB: the laptop sees a zero window and probes.
    const upload = JSON.parse(await ns.node(tcpClient('10.202.0.5', 11, 6 << 20, true)));
    expect(upload.text).toBe(`${6 << 20} ${upload.sent}`);
    // The laptop's reader waits a second before reading: the stack sees a zero window and probes.
    const download = await ns.node(`
      const s = require('net').connect({ host: '10.202.0.9', port: 80 }, () => s.write('GET /bytes/${24 << 20} HTTP/1.1\\r\\n\\r\\n'));
      let n = 0; s.pause(); setTimeout(() => s.resume(), 1000);
      s.on('data', (d) => (n += d.length)); s.on('end', () => console.log(String(n)));`);
    expect(Number(download), download).toBeGreaterThan(24 << 20);
  }, 60_000);

  it('carries 200 connections at once', async () => {
    const out = await ns.node(`
      const net = require('net'); let ok = 0, failed = 0, left = 200;
      for (let i = 0; i < 200; i++) {
        const s = net.connect({ host: '10.202.3.' + (i % 250), port: 7 }, () => s.end('hello ' + i));
        let back = ''; s.on('data', (d) => (back += d));
        s.on('error', () => {});
        s.on('close', () => { back === 'hello ' + i ? ok++ : failed++; if (--left === 0) console.log(JSON.stringify({ ok, failed })); });
      }`);
    expect(JSON.parse(out)).toEqual({ ok: 200, failed: 0 });
  }, 60_000);

  it('serves curl a 32 MiB download', async () => {
    const out = await ns.run('curl', ['-sS', '-o', '/dev/null', '-w', '%{size_download} %{http_code}', 'http://10.202.0.9/bytes/33554432']);
    expect(out).toBe('33554432 200');
  }, 60_000);

  it('works over IPv6 too', async () => {
    const result = JSON.parse(await ns.node(tcpClient('fd00:202::5', 7, 1 << 20, false)));
    expect(result).toMatchObject({ error: null, echoed: true });
    expect(JSON.parse(await ns.node(udpClient('fd00:202::5', 'udp6', 1000)))).toEqual({ same: true, length: 1000 });
  }, 60_000);

  it('refuses (ECONNREFUSED) and resets (ECONNRESET) as the owner says', async () => {
    expect(JSON.parse(await ns.node(tcpClient('10.202.0.5', 81, 10, true)))).toMatchObject({ error: 'ECONNREFUSED' });
    expect(JSON.parse(await ns.node(tcpClient('10.202.0.5', 82, 10, false)))).toMatchObject({ error: 'ECONNRESET' });
  }, 30_000);

  it('relays UDP both ways, with IP fragments when a datagram exceeds the MTU', async () => {
    expect(JSON.parse(await ns.node(udpClient('10.202.0.5', 'udp4', 100)))).toEqual({ same: true, length: 100 });
    expect(JSON.parse(await ns.node(udpClient('10.202.0.5', 'udp4', 4000)))).toEqual({ same: true, length: 4000 });
  }, 30_000);
});

describe.skipIf(!canUseNetns())('the kernel and the stack over a TUN device that loses 2 % of packets each way', () => {
  const ns = new StackNamespace();
  let stats: Record<string, unknown> | undefined;

  beforeAll(async () => {
    await ns.start(1500, 0.02);
  }, 30_000);

  afterAll(async () => {
    stats ??= await ns.stop();
  });

  it('still moves data intact both ways, retransmitting what was lost', async () => {
    const echo = JSON.parse(await ns.node(tcpClient('10.202.0.5', 7, 2 << 20, false), 120_000));
    expect(echo).toMatchObject({ error: null, echoed: true });
    const upload = JSON.parse(await ns.node(tcpClient('10.202.0.5', 9, 2 << 20, true), 120_000));
    expect(upload.text).toBe(`${2 << 20} ${upload.sent}`);
    const download = await ns.run('curl', ['-sS', '-o', '/dev/null', '-w', '%{size_download}', 'http://10.202.0.9/bytes/4194304'], 120_000);
    expect(download).toBe('4194304');
    stats = await ns.stop();
    expect(stats).toMatchObject({ writeErrors: 0 });
    expect(stats!.retransmits).toBeGreaterThan(0);
  }, 180_000);
});

describe.skipIf(!canUseNetns())('the stack fed by the worker-thread ring reader (benchmark alternative)', () => {
  const ns = new StackNamespace();

  beforeAll(async () => {
    await ns.start(65000, 0, 'ring');
  }, 30_000);

  afterAll(async () => {
    expect(await ns.stop()).toMatchObject({ writeErrors: 0 });
  });

  it('carries the same traffic', async () => {
    expect(JSON.parse(await ns.node(tcpClient('10.202.0.5', 7, 8 << 20, false)))).toMatchObject({ error: null, echoed: true });
    expect(await ns.run('curl', ['-sS', '-o', '/dev/null', '-w', '%{size_download}', 'http://10.202.0.9/bytes/33554432'])).toBe('33554432');
  }, 60_000);
});
