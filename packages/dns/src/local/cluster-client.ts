import type { Duplex } from 'node:stream';
import { Packet } from 'dns2';
import { answers, buildQuery, type DnsQuestion } from '../upstream.js';
import { FrameReader, frameMessage } from './tcp-frames.js';

/** The cluster's DNS could not be asked or did not answer in time; the caller answers SERVFAIL or asks elsewhere. */
export class ClusterUnavailableError extends Error {
  override name = 'ClusterUnavailableError';
}

/** The stream died under a query; a stream that had worked before is worth one retry on a fresh one. */
class StreamLostError extends ClusterUnavailableError {
  override name = 'StreamLostError';
}

export interface ClusterClientOptions {
  /** Opens a byte stream to the agent's DNS server over TCP (in ktctl an SSH direct-tcpip channel). */
  openStream: () => Promise<Duplex>;
  /** Milliseconds to wait for one answer. */
  queryTimeoutMs?: number;
  /** Milliseconds to wait for a stream to open. */
  openTimeoutMs?: number;
  /** After a failed open, queries fail at once for this many milliseconds instead of each trying again. */
  retryAfterMs?: number;
  /** False while the tunnel is known to be down (SshPool status): queries then fail at once, opening nothing. */
  isUp?: () => boolean;
  /** Milliseconds since some fixed point; injected so tests control time. */
  now?: () => number;
}

/** Asks the cluster's DNS over one pipelined DNS-over-TCP stream at a time, reopening it when it dies. */
export class ClusterClient {
  private current: Line | undefined;
  private opening: Promise<Line> | undefined;
  private downUntil = 0;
  private closed = false;
  private opened = 0;
  private readonly now: () => number;
  private readonly timeoutMs: number;

  constructor(private readonly options: ClusterClientOptions) {
    this.now = options.now ?? (() => performance.now());
    this.timeoutMs = options.queryTimeoutMs ?? 2_500;
  }

  /** Sends one question and resolves with the agent's answer; rejects with ClusterUnavailableError. */
  async query(question: DnsQuestion): Promise<Packet> {
    const line = await this.line();
    try {
      return await line.send(question, this.timeoutMs);
    } catch (error) {
      // An idle stream can be dead without us knowing (the tunnel dropped); only use tells.
      if (!(error instanceof StreamLostError) || line.answered === 0) throw error;
      return (await this.line()).send(question, this.timeoutMs);
    }
  }

  /** Streams opened so far, and whether one is open now. */
  get stats(): { streamsOpened: number; connected: boolean } {
    return { streamsOpened: this.opened, connected: !!this.current && !this.current.dead };
  }

  /** Closes the stream; later queries fail. */
  close(): void {
    this.closed = true;
    this.current?.kill(new ClusterUnavailableError('cluster DNS client closed'));
  }

  private line(): Promise<Line> {
    if (this.closed) return Promise.reject(new ClusterUnavailableError('cluster DNS client closed'));
    if (this.current && !this.current.dead) return Promise.resolve(this.current);
    if (this.options.isUp?.() === false)
      return Promise.reject(new ClusterUnavailableError('cluster DNS unreachable (tunnel reconnecting)'));
    if (this.now() < this.downUntil) return Promise.reject(new ClusterUnavailableError('cluster DNS unreachable (tunnel not up)'));
    this.opening ??= this.open().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async open(): Promise<Line> {
    try {
      const stream = await withTimeout(this.options.openStream(), this.options.openTimeoutMs ?? 2_000);
      const line = new Line(stream, this.now, (dead) => this.current === dead && (this.current = undefined));
      this.opened++;
      if (this.closed) line.kill(new ClusterUnavailableError('cluster DNS client closed'));
      else this.current = line;
      return line;
    } catch (error) {
      this.downUntil = this.now() + (this.options.retryAfterMs ?? 1_000);
      throw new ClusterUnavailableError('cannot open a stream to the cluster DNS', { cause: error });
    }
  }
}

/** Waits for a stream at most `ms`; a stream that arrives too late is destroyed, not leaked. */
function withTimeout(opening: Promise<Duplex>, ms: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => ((late = true), reject(new Error(`no stream after ${ms} ms`))), ms);
    opening.then(
      (stream) => (late ? stream.destroy() : (clearTimeout(timer), resolve(stream))),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    );
  });
}

interface Pending {
  query: Packet;
  sentAt: number;
  timer: NodeJS.Timeout;
  resolve(packet: Packet): void;
  reject(error: Error): void;
}

/** One open stream and the queries waiting on it, matched to answers by id. */
class Line {
  readonly pending = new Map<number, Pending>();
  dead = false;
  answered = 0;
  private lastDataAt = -Infinity;
  private nextId = 0;
  private readonly reader = new FrameReader();

  constructor(
    private readonly stream: Duplex,
    private readonly now: () => number,
    private readonly onDead: (line: Line) => void,
  ) {
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('error', (error: Error) => this.kill(new StreamLostError('cluster DNS stream failed', { cause: error })));
    stream.on('end', () => this.kill(new StreamLostError('cluster DNS stream ended')));
    stream.on('close', () => this.kill(new StreamLostError('cluster DNS stream closed')));
  }

  send(question: DnsQuestion, timeoutMs: number): Promise<Packet> {
    if (this.dead) return Promise.reject(new StreamLostError('cluster DNS stream closed'));
    const query = buildQuery(question);
    query.header.id = this.freeId();
    return new Promise<Packet>((resolve, reject) => {
      const sentAt = this.now();
      const timer = setTimeout(() => this.onTimeout(query.header.id), timeoutMs);
      this.pending.set(query.header.id, { query, sentAt, timer, resolve, reject });
      this.stream.write(frameMessage(query.toBuffer()));
    });
  }

  kill(reason: Error): void {
    if (this.dead) return;
    this.dead = true;
    this.stream.destroy();
    for (const pending of this.pending.values()) (clearTimeout(pending.timer), pending.reject(reason));
    this.pending.clear();
    this.onDead(this);
  }

  private freeId(): number {
    if (this.pending.size >= 0xffff) throw new ClusterUnavailableError('too many queries waiting on the cluster DNS');
    while (this.pending.has(this.nextId)) this.nextId = (this.nextId + 1) & 0xffff;
    const id = this.nextId;
    this.nextId = (this.nextId + 1) & 0xffff;
    return id;
  }

  private onData(chunk: Buffer): void {
    this.lastDataAt = this.now();
    for (const message of this.reader.push(chunk)) {
      const packet = parseOrUndefined(message);
      const pending = packet && this.pending.get(packet.header.id);
      if (!packet || !pending || !answers(pending.query, packet)) continue;
      clearTimeout(pending.timer);
      this.pending.delete(packet.header.id);
      this.answered++;
      pending.resolve(packet);
    }
  }

  private onTimeout(id: number): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    pending.reject(new ClusterUnavailableError(`no answer from the cluster DNS for ${pending.query.questions[0]?.name}`));
    // Nothing at all came back since we asked: the stream is dead (a half-open tunnel), not the agent slow.
    if (this.lastDataAt < pending.sentAt) this.kill(new StreamLostError('cluster DNS stream silent'));
  }
}

function parseOrUndefined(message: Buffer): Packet | undefined {
  try {
    return Packet.parse(message);
  } catch {
    return undefined;
  }
}
