import { describe, expect, it } from 'vitest';
import { FrameDecoder, describeForwardError, encodeData } from './protocol.js';

describe('v4.channel.k8s.io framing', () => {
  it('prefixes data with channel 0', () => {
    expect([...encodeData(Buffer.from('hi'))]).toEqual([0, 104, 105]);
  });

  it('drops the port prefix of each channel, even when split across messages', () => {
    const d = new FrameDecoder();
    expect(d.decode(Buffer.from([0, 0x28]))).toEqual({ channel: 'ignored' });
    expect(d.decode(Buffer.from([0, 0x23, 65, 66]))).toEqual({ channel: 0, data: Buffer.from('AB') });
    expect(d.decode(Buffer.from([0, 0x28, 0x23]))).toEqual({ channel: 0, data: Buffer.from([0x28, 0x23]) });
    expect(d.decode(Buffer.from([1, 0x28, 0x23]))).toEqual({ channel: 'ignored' });
    expect(d.decode(Buffer.from([1, ...Buffer.from('boom')]))).toEqual({ channel: 1, text: 'boom' });
    expect(d.decode(Buffer.from([3, 1, 2]))).toEqual({ channel: 'ignored' });
  });

  it('turns the kubelet’s connection refused into a hint', () => {
    const raw =
      'error forwarding port 9999 to pod abc, uid : failed to execute portforward in network namespace "/var/run/netns/x": failed to connect to localhost:9999 inside namespace "abc", IPv4: dial tcp4 127.0.0.1:9999: connect: connection refused IPv6 dial tcp6: address localhost: no suitable address ';
    expect(describeForwardError(raw, 'p', 9999)).toBe('nothing listens on port 9999 in pod p (connection refused)');
    expect(describeForwardError('other\nthing', 'p', 1)).toBe('port-forward to p:1 failed: other thing');
  });
});
