/**
 * The `v4.channel.k8s.io` framing of the port-forward WebSocket: each message starts with a channel
 * byte; for port i, channel 2i carries data and 2i+1 carries error text, and the first two bytes the
 * server sends on each channel are the port number (little endian). We forward one port per socket.
 */

export const PORT_FORWARD_PROTOCOL = 'v4.channel.k8s.io';
export const DATA_CHANNEL = 0;
export const ERROR_CHANNEL = 1;

/** A data message for the first port: channel byte then the payload. */
export function encodeData(chunk: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(chunk.length + 1);
  frame[0] = DATA_CHANNEL;
  frame.set(chunk, 1);
  return frame;
}

/** What one incoming message means once the port prefixes are taken off. */
export type Incoming =
  { channel: typeof DATA_CHANNEL; data: Buffer } | { channel: typeof ERROR_CHANNEL; text: string } | { channel: 'ignored' };

/** Strips channel bytes and the per-channel port prefix, which may arrive split over messages. */
export class FrameDecoder {
  private readonly prefixLeft = new Map<number, number>([
    [DATA_CHANNEL, 2],
    [ERROR_CHANNEL, 2],
  ]);

  decode(message: Buffer): Incoming {
    if (message.length === 0) return { channel: 'ignored' };
    const channel = message[0]!;
    if (channel !== DATA_CHANNEL && channel !== ERROR_CHANNEL) return { channel: 'ignored' };
    let payload = message.subarray(1);
    const left = this.prefixLeft.get(channel) ?? 0;
    if (left > 0) {
      const take = Math.min(left, payload.length);
      this.prefixLeft.set(channel, left - take);
      payload = payload.subarray(take);
    }
    if (payload.length === 0) return { channel: 'ignored' };
    return channel === DATA_CHANNEL ? { channel, data: payload } : { channel, text: payload.toString('utf8') };
  }
}

/** The kubelet's error text made readable: "connection refused" → a hint that nothing listens on the port. */
export function describeForwardError(text: string, pod: string, port: number): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (/connection refused/i.test(clean)) return `nothing listens on port ${port} in pod ${pod} (connection refused)`;
  return `port-forward to ${pod}:${port} failed: ${clean}`;
}
