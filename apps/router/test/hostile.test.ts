/**
 * Hostile clients against the bundled router (bounded fuzz): random bytes, truncated and mutated HTTP/1.1
 * requests, HTTP/2 prefaces followed by random frames, and slowloris connections. The process must stay up,
 * its memory bounded, and another client's keep-alive session must keep getting answers meanwhile.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotationsText, nameServer, ruleSet, startChild, whoAnswers, type Child } from './support/harness.js';

const ITERATIONS = Number(process.env.KT_FUZZ_ITERATIONS ?? 300);
const PARALLEL = 24;
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const GOOD_REQUEST = Buffer.from('GET /who HTTP/1.1\r\nHost: x\r\nX-Kt-Version: mine\r\nContent-Length: 5\r\n\r\nhello');

let router: Child;
let dir: string;
const backends: Array<{ server: http.Server }> = [];
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });

beforeAll(async () => {
  const stuntman = await nameServer('stuntman');
  const mine = await nameServer('mine');
  backends.push(stuntman, mine);
  dir = mkdtempSync(join(tmpdir(), 'kt-router-hostile-'));
  const file = join(dir, 'annotations');
  writeFileSync(file, annotationsText(ruleSet(1, [['x-kt-version', 'mine', 'mine']])));
  router = await startChild({ stuntman: stuntman.port, mine: mine.port }, file);
});

afterAll(async () => {
  await router?.stop();
  keepAlive.destroy();
  for (const b of backends) b.server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends `chunks` on a fresh connection, then ends it; resolves when the router closed it or after 1 s. */
function throwAt(chunks: Buffer[], end = true): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: router.port });
    const timer = setTimeout(() => socket.destroy(), 1_000);
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    socket.once('close', () => (clearTimeout(timer), resolve()));
    socket.once('connect', () => {
      for (const c of chunks) socket.write(c);
      if (end) socket.end();
      else socket.destroy();
    });
  });
}

function mutate(buf: Buffer): Buffer {
  const copy = Buffer.from(buf);
  for (let i = 0; i < 1 + Math.floor(Math.random() * 4); i++)
    copy[Math.floor(Math.random() * copy.length)] = Math.floor(Math.random() * 256);
  return copy;
}

/** An HTTP/2 frame header (length, type, flags, stream) with random or lying fields and a random payload. */
function randomH2Frame(): Buffer {
  const payload = randomBytes(Math.floor(Math.random() * 64));
  const header = Buffer.alloc(9);
  header.writeUIntBE(Math.random() < 0.2 ? 0xffffff : payload.length, 0, 3);
  header[3] = Math.floor(Math.random() * 12);
  header[4] = Math.floor(Math.random() * 256);
  header.writeUInt32BE(Math.floor(Math.random() * 8), 5);
  return Buffer.concat([header, payload]);
}

const SHAPES: Record<string, () => { chunks: Buffer[]; end?: boolean }> = {
  random: () => ({ chunks: [randomBytes(1 + Math.floor(Math.random() * 2048))] }),
  truncated: () => ({ chunks: [GOOD_REQUEST.subarray(0, Math.floor(Math.random() * GOOD_REQUEST.length))], end: Math.random() < 0.5 }),
  mutated: () => ({ chunks: [mutate(GOOD_REQUEST)] }),
  hugeHeader: () => ({ chunks: [Buffer.from(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`)] }),
  badLength: () => ({
    chunks: [Buffer.from('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')],
  }),
  h2Frames: () => ({ chunks: [H2_PREFACE, ...Array.from({ length: 1 + Math.floor(Math.random() * 6) }, randomH2Frame)] }),
  h2Truncated: () => ({ chunks: [H2_PREFACE.subarray(0, 1 + Math.floor(Math.random() * (H2_PREFACE.length - 1)))], end: false }),
};

describe('the router under hostile clients', () => {
  it(`survives ${ITERATIONS} malformed connections per shape and keeps serving another client`, async () => {
    const before = router.memory().rss;
    expect(await whoAnswers(router.port, { 'x-kt-version': 'mine' }, keepAlive)).toBe('mine');
    for (const [name, shape] of Object.entries(SHAPES)) {
      for (let done = 0; done < ITERATIONS; done += PARALLEL) {
        await Promise.all(
          Array.from({ length: PARALLEL }, () => {
            const { chunks, end } = shape();
            return throwAt(chunks, end ?? true);
          }),
        );
        // The other client's kept-alive session answers between every batch.
        if (done % (PARALLEL * 10) === 0) expect(await whoAnswers(router.port, { 'x-kt-version': 'mine' }, keepAlive), name).toBe('mine');
      }
      expect(router.process.exitCode, `${name}: ${router.stderr()}`).toBeNull();
    }
    expect(await whoAnswers(router.port, {}, keepAlive)).toBe('stuntman');
    // Memory settles back: nothing kept per dead connection.
    const after = router.memory().rss;
    expect(after - before, `rss ${before} → ${after}`).toBeLessThan(64 * 1024 * 1024);
    console.log(`router hostile: ${ITERATIONS * Object.keys(SHAPES).length} connections, rss ${before >> 20} → ${after >> 20} MiB`);
  }, 120_000);

  it('drops slowloris connections without starving a real client', async () => {
    const sockets = Array.from({ length: 200 }, () => {
      const s = connect({ host: '127.0.0.1', port: router.port });
      s.on('error', () => undefined);
      s.once('connect', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n'));
      return s;
    });
    try {
      const drip = setInterval(() => sockets.forEach((s) => s.writable && s.write('X-A: b\r\n')), 200);
      try {
        for (let i = 0; i < 10; i++) expect(await whoAnswers(router.port, { 'x-kt-version': 'mine' })).toBe('mine');
      } finally {
        clearInterval(drip);
      }
    } finally {
      sockets.forEach((s) => s.destroy());
    }
    expect(router.process.exitCode).toBeNull();
  }, 60_000);
});
