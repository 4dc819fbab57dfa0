import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from './decoder.js';
import { Flag, FrameType } from './wire.js';
import { FrameWriter } from './writer.js';

/** A transport recording each write() as one message, like a port-forward's WebSocket. */
class Recorder extends Duplex {
  messages: Buffer[] = [];
  private held: Array<() => void> = [];
  hold = false;
  constructor(highWaterMark = 16 << 20) {
    super({ writableHighWaterMark: highWaterMark });
  }
  override _write(chunk: Buffer, _e: BufferEncoding, callback: () => void): void {
    this.messages.push(chunk);
    if (this.hold) this.held.push(callback);
    else callback();
  }
  override _read(): void {}
  release(): void {
    this.hold = false;
    for (const callback of this.held.splice(0)) callback();
  }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** Frames in the messages; DATA arrives in pieces, so the tests send it with FIN, which marks each end. */
const framesIn = (messages: Buffer[]): number => {
  let n = 0;
  const decoder = new FrameDecoder();
  for (const m of messages) decoder.push(m, (f) => (f.type !== FrameType.Data || f.flags & Flag.Fin) && n++);
  return n;
};

describe('FrameWriter', () => {
  it('writes every frame of one event-loop turn as one message', async () => {
    const transport = new Recorder();
    const writer = new FrameWriter(transport);
    for (let i = 0; i < 500; i++) writer.frame(FrameType.Data, Flag.Fin, 1 + 2 * i, Buffer.alloc(100));
    expect(transport.messages).toHaveLength(0);
    await turn();
    expect(transport.messages).toHaveLength(1);
    writer.frame(FrameType.Window, 0, 1, Buffer.alloc(4));
    await turn();
    expect(transport.messages).toHaveLength(2);
    expect(framesIn(transport.messages)).toBe(501);
  });

  it('cuts a big turn into messages of at most maxWriteBytes, frames intact across them', async () => {
    const transport = new Recorder();
    const writer = new FrameWriter(transport, { maxWriteBytes: 100_000 });
    for (let i = 0; i < 10; i++) writer.frame(FrameType.Data, Flag.Fin, 1, Buffer.alloc(60_000));
    await turn();
    expect(transport.messages.every((m) => m.length <= 100_000)).toBe(true);
    expect(transport.messages.reduce((n, m) => n + m.length, 0)).toBe(10 * 60_010);
    expect(framesIn(transport.messages)).toBe(10);
  });

  it("stops while the transport's write() says false, goes on at drain, and tells senders to wait", async () => {
    const transport = new Recorder(1000);
    transport.hold = true;
    const writer = new FrameWriter(transport, { maxWriteBytes: 2000, highWaterBytes: 5000 });
    for (let i = 0; i < 10; i++) writer.frame(FrameType.Data, Flag.Fin, 1, Buffer.alloc(990));
    await turn();
    expect(transport.messages).toHaveLength(1);
    expect(writer.congested).toBe(true);
    let resumed = false;
    writer.whenUncongested(() => (resumed = true));
    transport.release();
    await turn();
    expect(resumed).toBe(true);
    for (let i = 0; i < 10 && writer.queuedBytes > 0; i++) {
      transport.release();
      await turn();
    }
    expect(framesIn(transport.messages)).toBe(10);
  });

  it('ignores frames after close', async () => {
    const transport = new Recorder();
    const writer = new FrameWriter(transport);
    writer.close();
    writer.frame(FrameType.Ping, 0, 0, Buffer.alloc(8));
    await turn();
    expect(transport.messages).toHaveLength(0);
  });
});
