import { METHODS } from 'node:http';
import type { Socket } from 'node:net';

/** What a client's first bytes say it speaks. */
export type Protocol = 'http1' | 'h2' | 'other';

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const LONGEST_METHOD = Math.max(...METHODS.map((m) => m.length));
const METHOD_SET = new Set(METHODS);

/** Classifies what has arrived so far; undefined while it could still become either HTTP version. */
export function classify(head: Buffer): Protocol | undefined {
  const n = Math.min(head.length, H2_PREFACE.length);
  if (head.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) return head.length >= H2_PREFACE.length ? 'h2' : undefined;
  const space = head.indexOf(0x20);
  if (space === -1) return head.length <= LONGEST_METHOD && /^[A-Z-]*$/.test(head.toString('latin1')) ? undefined : 'other';
  return METHOD_SET.has(head.toString('latin1', 0, space)) ? 'http1' : 'other';
}

/**
 * Reads a connection's first bytes until they say what it speaks, then pauses it and puts them back, so the
 * chosen handler reads the stream from its first byte. A client that stays silent for `timeoutMs` (it waits for
 * a server-first protocol's greeting) is `other`.
 */
export function sniff(socket: Socket, timeoutMs: number): Promise<{ protocol: Protocol; head: Buffer }> {
  return new Promise((resolve) => {
    let head: Buffer = Buffer.alloc(0);
    const done = (protocol: Protocol): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
      socket.pause();
      resolve({ protocol, head });
    };
    const onData = (chunk: Buffer): void => {
      head = head.length ? Buffer.concat([head, chunk]) : chunk;
      const protocol = classify(head);
      if (protocol) done(protocol);
    };
    const onEnd = (): void => done('other');
    const timer = setTimeout(() => done('other'), timeoutMs);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onEnd);
  });
}
