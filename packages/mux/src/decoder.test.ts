import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from './decoder.js';
import { formatIPv6, parseIPv6 } from './ipv6.js';
import {
  decodeAccept,
  decodeDatagram,
  decodeOpen,
  decodeOpenReply,
  encodeAccept,
  encodeDatagramHeader,
  encodeOpen,
  encodeOpenReply,
} from './payloads.js';
import {
  encodeHeader,
  Flag,
  FrameType,
  HEADER_BYTES,
  MAX_CONTROL_PAYLOAD,
  MAX_DATA_PAYLOAD,
  MuxProtocolError,
  type Frame,
} from './wire.js';

const frame = (type: number, flags: number, stream: number, payload: Buffer): Buffer =>
  Buffer.concat([encodeHeader(type, flags, stream, payload.length), payload]);

/** Frames with payloads as hex: vitest compares big Buffers byte by byte, slowly. */
const printable = (frames: Frame[]) => frames.map((f) => ({ ...f, payload: f.payload.toString('hex') }));

/** Decodes, joining the pieces DATA arrives in (adjacent DATA of one stream: the test frames never have two). */
function decodeAll(chunks: Buffer[]): ReturnType<typeof printable> {
  const decoder = new FrameDecoder();
  const frames: Frame[] = [];
  for (const chunk of chunks) {
    decoder.push(chunk, (f) => {
      const last = frames[frames.length - 1];
      if (last && last.type === FrameType.Data && f.type === FrameType.Data && last.stream === f.stream && f.payload.length > 0) {
        frames[frames.length - 1] = { ...last, flags: last.flags | f.flags, payload: Buffer.concat([last.payload, f.payload]) };
      } else frames.push(f);
    });
  }
  return printable(frames);
}

describe('FrameDecoder', () => {
  const sent = [
    { type: FrameType.Data, flags: 1, stream: 7, payload: randomBytes(100_000) },
    { type: FrameType.Window, flags: 0, stream: 0xffff_ffff, payload: Buffer.from([0, 1, 0, 0]) },
    { type: FrameType.Data, flags: 0, stream: 3, payload: Buffer.alloc(0) },
    { type: FrameType.Ping, flags: 0, stream: 0, payload: randomBytes(8) },
  ];
  const bytes = Buffer.concat(sent.map((f) => frame(f.type, f.flags, f.stream, f.payload)));

  it('round-trips frames sent in one chunk', () => {
    expect(decodeAll([bytes])).toEqual(printable(sent));
  });

  it('round-trips frames however the bytes are cut (one byte at a time, random cuts)', () => {
    expect(decodeAll([...bytes].map((b) => Buffer.of(b)))).toEqual(printable(sent));
    for (let round = 0; round < 50; round++) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length;) {
        const n = 1 + Math.floor(Math.random() * 20_000);
        chunks.push(bytes.subarray(at, at + n));
        at += n;
      }
      expect(decodeAll(chunks)).toEqual(printable(sent));
    }
  });

  it('refuses an unknown type and a length past the bound as soon as the header is in, holding nothing', () => {
    const decoder = new FrameDecoder();
    expect(() => decoder.push(encodeHeader(200, 0, 1, 4), () => undefined)).toThrow(MuxProtocolError);
    const huge = new FrameDecoder();
    expect(() => huge.push(encodeHeader(FrameType.Data, 0, 1, MAX_DATA_PAYLOAD + 1), () => undefined)).toThrow(/more than/);
    expect(huge.bufferedBytes).toBe(0);
    const control = new FrameDecoder();
    expect(() => control.push(encodeHeader(FrameType.Open, 0, 1, 0xffff_ffff), () => undefined)).toThrow(MuxProtocolError);
  });

  it('holds at most one header and one largest control payload while a frame is incomplete', () => {
    const decoder = new FrameDecoder();
    decoder.push(encodeHeader(FrameType.Datagram, 0, 1, MAX_CONTROL_PAYLOAD), () => undefined);
    decoder.push(Buffer.alloc(MAX_CONTROL_PAYLOAD - 1), () => undefined);
    expect(decoder.bufferedBytes).toBe(MAX_CONTROL_PAYLOAD - 1);
    const frames: Frame[] = [];
    decoder.push(Buffer.alloc(1 + HEADER_BYTES - 1), (f) => frames.push(f));
    expect(frames).toHaveLength(1);
    expect(decoder.bufferedBytes).toBe(HEADER_BYTES - 1);
  });

  it('hands DATA on piece by piece as views of the chunks, FIN on the last piece only, holding none of it', () => {
    const decoder = new FrameDecoder();
    const pieces: Frame[] = [];
    const payload = randomBytes(MAX_DATA_PAYLOAD);
    const first = Buffer.concat([encodeHeader(FrameType.Data, Flag.Fin, 5, payload.length), payload.subarray(0, 1000)]);
    decoder.push(first, (f) => pieces.push(f));
    expect(decoder.bufferedBytes).toBe(0);
    expect(decoder.midFrame).toBe(true);
    const rest = payload.subarray(1000);
    decoder.push(rest, (f) => pieces.push(f));
    expect(pieces.map((p) => [p.payload.length, p.flags])).toEqual([
      [1000, 0],
      [MAX_DATA_PAYLOAD - 1000, Flag.Fin],
    ]);
    expect(pieces[1]!.payload.buffer).toBe(rest.buffer); // a view, not a copy
    expect(Buffer.concat(pieces.map((p) => p.payload)).equals(payload)).toBe(true);
    expect(decoder.midFrame).toBe(false);
  });
});

describe('payloads', () => {
  it('round-trip open, accept and open-reply', () => {
    expect(decodeOpen(encodeOpen(1 << 20, 'web.default.svc', 8080))).toEqual({ window: 1 << 20, host: 'web.default.svc', port: 8080 });
    expect(decodeAccept(encodeAccept(5, 80, { address: '10.1.2.3', port: 40000 }))).toEqual({
      window: 5,
      listenPort: 80,
      origin: { address: '10.1.2.3', port: 40000 },
    });
    expect(decodeOpenReply(encodeOpenReply(1, 0, 'connect ECONNREFUSED'))).toEqual({ code: 1, window: 0, reason: 'connect ECONNREFUSED' });
  });

  it('round-trip datagram endpoints, IPv4 and IPv6 in canonical form', () => {
    for (const address of ['10.96.0.10', '::1', 'fd00::a:0:0:1', '2001:db8::ffff:1.2.3.4', 'fe80::1']) {
      const header = encodeDatagramHeader({ address, port: 53 });
      const { endpoint, data } = decodeDatagram(Buffer.concat([header, Buffer.from('q')]));
      expect(endpoint.address).toBe(address.includes('.') && address.includes(':') ? '2001:db8::ffff:102:304' : address);
      expect([endpoint.port, data.toString()]).toEqual([53, 'q']);
    }
    expect(formatIPv6(parseIPv6('0:0:0:0:0:0:0:1'))).toBe('::1');
  });

  it('fail with a protocol error, not a RangeError, on short payloads', () => {
    expect(() => decodeOpen(Buffer.alloc(3))).toThrow(MuxProtocolError);
    expect(() => decodeDatagram(Buffer.of(6, 1, 2))).toThrow(MuxProtocolError);
    expect(() => decodeDatagram(Buffer.of(5))).toThrow(/family/);
  });
});
