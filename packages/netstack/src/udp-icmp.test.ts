import { describe, expect, it } from 'vitest';
import { echoRequest, ipPacket, TestWire, udpPacket, udpSegment } from './testing/index.js';

const LAPTOP = '10.0.0.2';
const SERVICE = '10.96.0.10';

describe('UDP', () => {
  it('hands datagrams from the laptop to the owner, checking checksums (zero allowed on IPv4 only)', () => {
    const wire = new TestWire();
    wire.input(udpPacket({ src: LAPTOP, dst: SERVICE, srcPort: 5000, dstPort: 53, data: Buffer.from('query') }));
    wire.input(udpPacket({ src: LAPTOP, dst: SERVICE, srcPort: 5000, dstPort: 53, data: Buffer.from('bad'), badChecksum: true }));
    wire.input(udpPacket({ src: LAPTOP, dst: SERVICE, srcPort: 5000, dstPort: 53, data: Buffer.from('none'), zeroChecksum: true }));
    wire.input(udpPacket({ src: 'fd00::2', dst: 'fd00::53', srcPort: 6000, dstPort: 53, data: Buffer.from('six') }));
    wire.input(udpPacket({ src: 'fd00::2', dst: 'fd00::53', srcPort: 6000, dstPort: 53, data: Buffer.from('6'), zeroChecksum: true }));
    expect(wire.datagrams).toEqual([
      { source: { address: LAPTOP, port: 5000 }, destination: { address: SERVICE, port: 53 }, payload: Buffer.from('query') },
      { source: { address: LAPTOP, port: 5000 }, destination: { address: SERVICE, port: 53 }, payload: Buffer.from('none') },
      { source: { address: 'fd00::2', port: 6000 }, destination: { address: 'fd00::53', port: 53 }, payload: Buffer.from('six') },
    ]);
    expect(wire.stack.stats.dropped).toBe(2);
  });

  it('sends replies to the laptop with a correct checksum, IPv4 and IPv6', () => {
    const wire = new TestWire();
    wire.stack.sendUdp({
      source: { address: SERVICE, port: 53 },
      destination: { address: LAPTOP, port: 5000 },
      payload: Buffer.from('answer'),
    });
    wire.stack.sendUdp({
      source: { address: 'fd00::53', port: 53 },
      destination: { address: 'fd00::2', port: 6000 },
      payload: Buffer.from('six!'),
    });
    const [four, six] = wire.take();
    expect(four).toMatchObject({
      src: SERVICE,
      dst: LAPTOP,
      checksumOk: true,
      udp: { srcPort: 53, dstPort: 5000, data: Buffer.from('answer') },
    });
    expect(six).toMatchObject({ version: 6, src: 'fd00::53', dst: 'fd00::2', checksumOk: true, udp: { data: Buffer.from('six!') } });
  });

  it('drops datagrams nobody handles', () => {
    const wire = new TestWire({ onUdpDatagram: undefined });
    wire.input(udpPacket({ src: LAPTOP, dst: SERVICE, srcPort: 5000, dstPort: 53, data: Buffer.from('x') }));
    expect(wire.stack.stats.dropped).toBe(1);
  });
});

describe('IP fragments', () => {
  const fragments = (data: Buffer, id: number, step: number) => {
    const segment = udpSegment({ src: LAPTOP, dst: SERVICE, srcPort: 5000, dstPort: 53, data });
    const pieces: Buffer[] = [];
    for (let at = 0; at < segment.length; at += step) {
      pieces.push(
        ipPacket({
          src: LAPTOP,
          dst: SERVICE,
          protocol: 17,
          payload: segment.subarray(at, at + step),
          id,
          fragmentOffset: at,
          moreFragments: at + step < segment.length,
        }),
      );
    }
    return pieces;
  };

  it('reassembles a datagram whose fragments arrive out of order, once', () => {
    const wire = new TestWire();
    const data = Buffer.alloc(3000);
    for (let i = 0; i < data.length; i++) data[i] = i % 253;
    const [a, b, c] = fragments(data, 77, 1480);
    wire.input(c!);
    wire.input(a!);
    expect(wire.datagrams).toEqual([]);
    wire.input(b!);
    wire.input(b!); // a late duplicate starts nothing complete
    expect(wire.datagrams).toHaveLength(1);
    expect(wire.datagrams[0]!.payload).toEqual(data);
    expect(wire.stack.stats.reassembled).toBe(1);
  });

  it('reassembles IPv6 fragments (fragment extension header)', () => {
    const wire = new TestWire();
    const data = Buffer.alloc(2500);
    for (let i = 0; i < data.length; i++) data[i] = i % 249;
    const segment = udpSegment({ src: 'fd00::2', dst: 'fd00::53', srcPort: 5000, dstPort: 53, data });
    const pieces = [0, 1232, 2464].map((at) => {
      const piece = segment.subarray(at, at + 1232);
      const header = Buffer.alloc(8);
      header[0] = 17;
      header.writeUInt16BE(at | (at + 1232 < segment.length ? 1 : 0), 2);
      header.writeUInt32BE(0xabcdef, 4);
      const packet = ipPacket({ src: 'fd00::2', dst: 'fd00::53', protocol: 44, payload: Buffer.concat([header, piece]) });
      return packet;
    });
    wire.input(pieces[2]!);
    wire.input(pieces[0]!);
    expect(wire.datagrams).toEqual([]);
    wire.input(pieces[1]!);
    expect(wire.datagrams.map((d) => [d.source.address, d.payload])).toEqual([['fd00::2', data]]);
  });

  it('forgets an incomplete datagram after its timeout', () => {
    const wire = new TestWire();
    const [a] = fragments(Buffer.alloc(3000, 1), 78, 1480);
    wire.input(a!);
    wire.clock.advance(10_001);
    expect(wire.clock.pending).toBe(0);
    expect(wire.logs).toContain('dropped: reassembly timeout');
  });

  it('keeps at most 64 datagrams in reassembly', () => {
    const wire = new TestWire();
    for (let id = 0; id < 70; id++) wire.input(fragments(Buffer.alloc(3000, 1), id, 1480)[0]!);
    expect(wire.clock.pending).toBe(64);
    expect(wire.stack.stats.dropped).toBe(6);
  });

  it('fragments a reply larger than the MTU', () => {
    const wire = new TestWire({ mtu: 1500 });
    const data = Buffer.alloc(4000, 9);
    wire.stack.sendUdp({ source: { address: SERVICE, port: 53 }, destination: { address: LAPTOP, port: 5000 }, payload: data });
    const pieces = wire.take();
    expect(pieces.map((p) => [p.fragment!.offset, p.fragment!.more, p.payload.length])).toEqual([
      [0, true, 1480],
      [1480, true, 1480],
      [2960, false, 1048],
    ]);
    const other = new TestWire();
    for (const p of pieces)
      other.input(
        ipPacket({
          src: LAPTOP,
          dst: SERVICE,
          protocol: 17,
          payload: p.payload,
          id: 5,
          fragmentOffset: p.fragment!.offset,
          moreFragments: p.fragment!.more,
        }),
      );
    // sent back the other way (the pseudo-header sum does not care about the address order)
    expect(other.datagrams.map((d) => d.payload)).toEqual([data]);
  });

  it('drops packets whose IPv4 header checksum is wrong', () => {
    const wire = new TestWire();
    const packet = udpPacket({ src: LAPTOP, dst: SERVICE, srcPort: 1, dstPort: 2, data: Buffer.from('x') });
    packet[10]! ^= 0xff;
    wire.input(packet);
    expect(wire.datagrams).toEqual([]);
    expect(wire.logs).toContain('dropped: bad IPv4 header checksum');
  });
});

describe('ICMP echo', () => {
  it('replies, refuses (administratively prohibited) or drops as the owner says', () => {
    const policy: Record<string, 'reply' | 'unreachable' | 'drop'> = {
      '10.96.0.1': 'reply',
      '10.96.0.2': 'unreachable',
      '10.96.0.3': 'drop',
    };
    const wire = new TestWire({ icmpEcho: (d) => policy[d]! });
    wire.input(echoRequest(LAPTOP, '10.96.0.1', 9, 1, Buffer.from('ping-data')));
    wire.input(echoRequest(LAPTOP, '10.96.0.2', 9, 2, Buffer.from('ping-data')));
    wire.input(echoRequest(LAPTOP, '10.96.0.3', 9, 3, Buffer.from('ping-data')));
    const [reply, refusal, ...rest] = wire.take();
    expect(rest).toEqual([]);
    expect(reply).toMatchObject({ src: '10.96.0.1', dst: LAPTOP, checksumOk: true, icmp: { type: 0, code: 0 } });
    expect(reply!.icmp!.body).toEqual(Buffer.from([0, 9, 0, 1, ...Buffer.from('ping-data')]));
    expect(refusal).toMatchObject({ src: '10.96.0.2', dst: LAPTOP, checksumOk: true, icmp: { type: 3, code: 13 } });
    expect(refusal!.icmp!.body.subarray(4, 24)).toEqual(echoRequest(LAPTOP, '10.96.0.2', 9, 2, Buffer.from('ping-data')).subarray(0, 20));
  });

  it('refuses by default, and answers ICMPv6 too', () => {
    const wire = new TestWire();
    wire.input(echoRequest(LAPTOP, SERVICE, 1, 1, Buffer.alloc(8)));
    expect(wire.take()[0]).toMatchObject({ icmp: { type: 3, code: 13 } });
    const six = new TestWire({ icmpEcho: () => 'reply' });
    six.input(echoRequest('fd00::2', 'fd00::7', 1, 1, Buffer.from('v6')));
    expect(six.take()[0]).toMatchObject({ version: 6, src: 'fd00::7', checksumOk: true, icmp: { type: 129, code: 0 } });
    const refused = new TestWire();
    refused.input(echoRequest('fd00::2', 'fd00::7', 1, 1, Buffer.from('v6')));
    expect(refused.take()[0]).toMatchObject({ version: 6, checksumOk: true, icmp: { type: 1, code: 1 } });
  });
});
