import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotationsText, listen, ruleSet, startChild, type Child } from './support/harness.js';

const SIZE = Number(process.env.KT_TEST_MIB ?? 64) * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x5a);
/**
 * How much the router's peak RSS may grow over its idle RSS while 2 × 64 MiB go through to slow readers. The
 * growth measured is ~35–40 MiB whatever the size (16, 64 or 200 MiB: allocator and GC lag, not buffering),
 * so a router that held a body in memory would exceed it.
 */
const MAX_GROWTH = 48 * 1024 * 1024;

/** 64 MiB as a stream of 64 KiB chunks, produced only as fast as it is consumed. */
function body(): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= SIZE) return void this.push(null);
      sent += CHUNK.length;
      this.push(CHUNK);
    },
  });
}

/** Consumes a stream at about 25 MB/s: pauses 40 ms after every MiB. */
function slowCount(stream: Readable): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    let nextPause = 1 << 20;
    stream.on('data', (d: Buffer) => {
      n += d.length;
      if (n >= nextPause) {
        nextPause += 1 << 20;
        stream.pause();
        setTimeout(() => stream.resume(), 40);
      }
    });
    stream.on('end', () => resolve(n));
    stream.on('error', reject);
  });
}

describe('64 MiB bodies through the bundled router with slow readers', () => {
  let backend: http.Server;
  let router: Child;
  let dir: string;
  let idleRss = 0;

  beforeAll(async () => {
    backend = http.createServer((req, res) => {
      if (req.url === '/upload') return void slowCount(req).then((n) => res.end(String(n)));
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      body().pipe(res);
    });
    const port = await listen(backend);
    dir = mkdtempSync(join(tmpdir(), 'kt-router-large-'));
    writeFileSync(join(dir, 'annotations'), annotationsText(ruleSet(1, [['x-version', 'big', 'mesh']])));
    router = await startChild(
      { stuntman: 1, mesh: port },
      join(dir, 'annotations'),
      process.env.KT_TEST_NODE_OPTIONS ? { NODE_OPTIONS: process.env.KT_TEST_NODE_OPTIONS } : {},
    );
    idleRss = router.memory().rss;
  });
  afterAll(async () => {
    await router.stop();
    backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams an upload to a slow backend reader (chunked, no buffering)', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: router.port, method: 'POST', path: '/upload', headers: { 'x-version': 'big' } },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      body().pipe(req);
    });
    expect(Number(answer)).toBe(SIZE);
    expect(router.memory().peak - idleRss).toBeLessThan(MAX_GROWTH);
  });

  it('streams a download to a slow client reader', async () => {
    const n = await new Promise<number>((resolve, reject) => {
      http
        .get(
          { host: '127.0.0.1', port: router.port, path: '/download', headers: { 'x-version': 'big' } },
          (res) => void slowCount(res).then(resolve, reject),
        )
        .on('error', reject);
    });
    expect(n).toBe(SIZE);
    const { peak } = router.memory();
    expect(peak - idleRss).toBeLessThan(MAX_GROWTH);
    process.stdout.write(`router RSS idle ${(idleRss / 2 ** 20).toFixed(1)} MiB, peak ${(peak / 2 ** 20).toFixed(1)} MiB\n`);
  });
});
