import { describe, expect, it } from 'vitest';
import { decodeFrameBody, encodeFrame, FrameError, FrameKind, MAX_DATAGRAM_PAYLOAD, type RelayFrame } from './frame.js';

const body = (frame: RelayFrame): Buffer => encodeFrame(frame).subarray(2);

describe('encodeFrame / decodeFrameBody', () => {
  it('round-trips an IPv4 datagram with the exact wire layout', () => {
    const frame = { kind: FrameKind.Datagram, flow: 0x01020304, address: '10.96.0.10', port: 53, payload: Buffer.from('hi') } as const;
    const wire = encodeFrame(frame);
    expect(wire.toString('hex')).toBe('000e' + '01' + '01020304' + '04' + '0a60000a' + '0035' + '6869');
    expect(decodeFrameBody(wire.subarray(2))).toEqual(frame);
  });

  it.each([
    ['fd00::1', 'fd00::1'],
    ['::1', '::1'],
    ['::', '::'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ['fe80::1%eth0', 'fe80::1'],
  ])('round-trips IPv6 %s as %s', (address, canonical) => {
    const decoded = decodeFrameBody(body({ kind: FrameKind.Datagram, flow: 7, address, port: 5353, payload: Buffer.alloc(3, 1) }));
    expect(decoded).toMatchObject({ address: canonical, port: 5353, flow: 7 });
  });

  it('round-trips a close-flow frame', () => {
    expect(encodeFrame({ kind: FrameKind.CloseFlow, flow: 9 }).toString('hex')).toBe('0005020000000' + '9');
    expect(decodeFrameBody(body({ kind: FrameKind.CloseFlow, flow: 9 }))).toEqual({ kind: FrameKind.CloseFlow, flow: 9 });
  });

  it('carries an empty datagram and the largest one', () => {
    const empty = decodeFrameBody(body({ kind: FrameKind.Datagram, flow: 1, address: '1.2.3.4', port: 1, payload: Buffer.alloc(0) }));
    expect(empty).toMatchObject({ payload: Buffer.alloc(0) });
    const big = Buffer.alloc(MAX_DATAGRAM_PAYLOAD, 7);
    const decoded = decodeFrameBody(body({ kind: FrameKind.Datagram, flow: 1, address: '::1', port: 1, payload: big }));
    expect(decoded.kind === FrameKind.Datagram && decoded.payload.equals(big)).toBe(true);
  });

  it('rejects what it cannot encode', () => {
    const base = { kind: FrameKind.Datagram, flow: 1, address: '1.2.3.4', port: 1, payload: Buffer.alloc(0) } as const;
    expect(() => encodeFrame({ ...base, address: 'example.com' })).toThrow(FrameError);
    expect(() => encodeFrame({ ...base, port: 70000 })).toThrow(FrameError);
    expect(() => encodeFrame({ ...base, flow: -1 })).toThrow(FrameError);
    expect(() => encodeFrame({ ...base, address: '::1', payload: Buffer.alloc(MAX_DATAGRAM_PAYLOAD + 1) })).toThrow(FrameError);
  });

  it('rejects malformed bodies', () => {
    expect(() => decodeFrameBody(Buffer.from('0100', 'hex'))).toThrow(/too short/);
    expect(() => decodeFrameBody(Buffer.from('0900000001', 'hex'))).toThrow(/unknown frame kind 9/);
    expect(() => decodeFrameBody(Buffer.from('010000000105', 'hex'))).toThrow(/address family 5/);
    expect(() => decodeFrameBody(Buffer.from('01000000010401020304', 'hex'))).toThrow(/shorter than its header/);
    expect(() => decodeFrameBody(Buffer.from('020000000100', 'hex'))).toThrow(/trailing/);
  });
});
