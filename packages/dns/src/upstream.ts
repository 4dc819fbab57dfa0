import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import { Packet, type Question } from 'dns2';
import { normalizeName } from './names.js';

/** A DNS server to ask. */
export interface Upstream {
  host: string;
  port: number;
}

/** One question: a name, a numeric record type (`Packet.TYPE.A`...) and class (IN by default). */
export interface DnsQuestion {
  name: string;
  type: number;
  class?: number;
}

export interface QueryOptions {
  /** Milliseconds to wait for each UDP attempt and for the whole TCP exchange. */
  timeoutMs?: number;
  /** UDP sends before giving up. */
  attempts?: number;
}

/** The upstream did not answer (timeout, refused, reset): not the same as an answer saying SERVFAIL. */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
}

/** Asks one question over UDP (retried), and again over TCP when the UDP answer is truncated. */
export async function queryUpstream(upstream: Upstream, question: DnsQuestion, options: QueryOptions = {}): Promise<Packet> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const query = buildQuery(question);
  const udp = await queryUdp(upstream, query, options.attempts ?? 2, timeoutMs);
  if (!udp.header.tc) return udp;
  return queryTcp(upstream, query, timeoutMs);
}

/** A recursive query for one question, with a random id. */
export function buildQuery(question: DnsQuestion): Packet {
  const query = new Packet();
  query.header.id = randomInt(0, 0x10000);
  query.header.rd = 1;
  query.questions.push({
    name: question.name.replace(/\.+$/, ''),
    type: question.type,
    class: question.class ?? Packet.CLASS.IN,
  } as Question);
  return query;
}

/** True when a message answers our query (same id and question), so stray or spoofed packets are ignored. */
export function answers(query: Packet, response: Packet): boolean {
  const [asked] = query.questions;
  const [got] = response.questions;
  if (response.header.id !== query.header.id || !response.header.qr || !asked) return false;
  return !got || (normalizeName(got.name) === normalizeName(asked.name) && got.type === asked.type);
}

function queryUdp(upstream: Upstream, query: Packet, attempts: number, timeoutMs: number): Promise<Packet> {
  const socket = createSocket(isIPv6(upstream.host) ? 'udp6' : 'udp4');
  const wire = query.toBuffer();
  return new Promise<Packet>((resolve, reject) => {
    let left = attempts;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (error: Error | undefined, packet?: Packet): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      if (packet) resolve(packet);
      else reject(error);
    };
    const send = (): void => {
      if (left-- <= 0) return finish(new UpstreamError(`no answer from ${upstream.host}:${upstream.port} after ${attempts} tries`));
      socket.send(
        wire,
        upstream.port,
        upstream.host,
        (error) => error && finish(new UpstreamError(`cannot send to ${upstream.host}:${upstream.port}`, { cause: error })),
      );
      timer = setTimeout(send, timeoutMs);
    };
    socket.on('message', (message) => onUdpMessage(query, message, finish));
    socket.on('error', (error) => finish(new UpstreamError(`UDP query to ${upstream.host}:${upstream.port} failed`, { cause: error })));
    send();
  });
}

function onUdpMessage(query: Packet, message: Buffer, finish: (error: Error | undefined, packet?: Packet) => void): void {
  try {
    const packet = Packet.parse(message);
    if (answers(query, packet)) finish(undefined, packet);
  } catch {
    // A message we cannot parse is not our answer; keep waiting for the real one.
  }
}

function queryTcp(upstream: Upstream, query: Packet, timeoutMs: number): Promise<Packet> {
  const wire = query.toBuffer();
  const frame = Buffer.alloc(2 + wire.length);
  frame.writeUInt16BE(wire.length, 0);
  wire.copy(frame, 2);
  return new Promise<Packet>((resolve, reject) => {
    const socket = connect({ host: upstream.host, port: upstream.port, noDelay: true });
    let received = Buffer.alloc(0);
    const fail = (cause?: Error): void => {
      socket.destroy();
      reject(new UpstreamError(`TCP query to ${upstream.host}:${upstream.port} failed`, { cause }));
    };
    socket.setTimeout(timeoutMs, () => fail(new Error('timeout')));
    socket.on('error', fail);
    socket.on('connect', () => socket.write(frame));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
      socket.destroy();
      const packet = parseOrUndefined(received.subarray(2, 2 + received.readUInt16BE(0)));
      if (packet && answers(query, packet)) resolve(packet);
      else reject(new UpstreamError(`bad TCP answer from ${upstream.host}:${upstream.port}`));
    });
    socket.on('end', () => fail(new Error('closed before answering')));
  });
}

function parseOrUndefined(message: Buffer): Packet | undefined {
  try {
    return Packet.parse(message);
  } catch {
    return undefined;
  }
}
