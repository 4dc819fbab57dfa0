// One TCP connection terminated by the stack (RFC 9293), seen by its owner as a Duplex stream. The stack
// only ever opens passively: the laptop's application is the client, the stream's owner plays the server.
import { Duplex } from 'node:stream';
import { RttEstimator } from './rtt.js';
import { seqAdd, seqDiff, seqGeq, seqGt, seqLt } from './seq.js';
import { ReorderQueue, SendQueue } from './send-queue.js';
import { ACK, buildTcp, FIN, PSH, RST, sackOption, SYN, synOptions, type TcpFlow, type TcpSegment } from './tcp-segment.js';
import type { Endpoint, StackClock, StackStats, TcpConnection, TcpState } from './types.js';

/** What a connection needs from its stack. */
export interface ConnectionHost {
  readonly clock: StackClock;
  readonly stats: StackStats;
  send(packet: Buffer): void;
  log(message: string): void;
  /** Forgets the connection (it is CLOSED). */
  release(connection: StackTcpConnection): void;
}

export interface ConnectionSettings {
  /** Largest segment payload our side accepts (from the MTU). */
  mss: number;
  receiveBuffer: number;
  sendBuffer: number;
  iss: number;
  acceptTimeoutMs: number;
  timeWaitMs: number;
}

const MAX_SYNACK_RETRIES = 5;
const MAX_RETRIES = 8;
const DELAYED_ACK_MS = 1;
const INITIAL_CWND_SEGMENTS = 10;
const PERSIST_MAX_MS = 10_000;

type TimerKind = 'accept' | 'rto' | 'rto-confirm' | 'persist' | 'time-wait';

/** States in which the laptop may still send us data. */
const RECEIVING: ReadonlySet<TcpState> = new Set(['ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2']);
/** States in which our side sends (or resends) data and FIN. */
const SENDING: ReadonlySet<TcpState> = new Set(['ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT_1', 'CLOSING', 'LAST_ACK']);

export class StackTcpConnection extends Duplex implements TcpConnection {
  state: TcpState = 'SYN_PENDING';
  abortReason: string | undefined;

  private readonly rcvShift: number;
  private readonly sndShift: number;
  private readonly offersScale: boolean;
  /** The laptop offered SACK: our ACKs then say which segments beyond a hole we hold. */
  private readonly sack: boolean;
  /** Sequence number of the latest segment queued beyond a hole (for the first SACK block). */
  private lastReordered = 0;
  private readonly mss: number;
  private readonly rcvBuf: number;
  private readonly sndBuf: number;
  private readonly reorder = new ReorderQueue();
  private rcvNxt: number;
  /** The right edge of the window last advertised: never moved left. */
  private rcvEdge: number;
  private ackPending = false;
  private segmentsUnacked = 0;
  private delayedAck: unknown;

  private readonly iss: number;
  private readonly queue = new SendQueue();
  private sndUna: number;
  private sndNxt: number;
  private sndMax: number;
  private sndWnd: number;
  private sndWl1: number;
  private sndWl2: number;
  private finQueued = false;
  private finAcked = false;
  private finalCallback: ((error?: Error | null) => void) | undefined;
  private writeCallback: (() => void) | undefined;
  private flushScheduled = false;

  private cwnd: number;
  private ssthresh = Number.MAX_SAFE_INTEGER;
  private dupAcks = 0;
  private recover: number | undefined;
  private readonly rtt = new RttEstimator();
  private rttSeq: number | undefined;
  private rttStart = 0;
  private retries = 0;

  private timerKind: TimerKind | undefined;
  private timerAt = 0;
  private timerHandle: unknown;
  private timerHandleAt = 0;

  constructor(
    private readonly host: ConnectionHost,
    private readonly flow: TcpFlow,
    readonly source: Endpoint,
    readonly destination: Endpoint,
    syn: TcpSegment,
    private readonly settings: ConnectionSettings,
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: settings.receiveBuffer });
    this.rcvBuf = settings.receiveBuffer;
    this.sndBuf = settings.sendBuffer;
    this.offersScale = syn.wscale !== undefined;
    this.sack = syn.sackPermitted === true;
    this.sndShift = syn.wscale ?? 0;
    this.rcvShift = this.offersScale ? scaleFor(this.rcvBuf) : 0;
    const peerMss = syn.mss ?? (flow.src.length === 4 ? 536 : 1220);
    this.mss = Math.max(64, Math.min(peerMss, settings.mss));
    this.rcvNxt = seqAdd(syn.seq, 1);
    this.rcvEdge = this.rcvNxt;
    this.iss = settings.iss >>> 0;
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.sndMax = this.iss;
    this.sndWnd = syn.window;
    this.sndWl1 = syn.seq;
    this.sndWl2 = this.iss;
    this.cwnd = INITIAL_CWND_SEGMENTS * this.mss;
    this.arm('accept', settings.acceptTimeoutMs);
  }

  accept(): void {
    if (this.state !== 'SYN_PENDING' || this.destroyed) return;
    this.state = 'SYN_RECEIVED';
    this.sendSynAck();
  }

  refuse(): void {
    if (this.state !== 'SYN_PENDING') return;
    this.host.send(buildTcp(this.flow, 0, this.rcvNxt, RST | ACK, 0, undefined, 0));
    this.enterClosed('refused');
    this.destroy();
  }

  /** True when a segment from the laptop with these addresses and ports belongs to this connection. */
  matches(src: Buffer, srcPort: number, dst: Buffer, dstPort: number): boolean {
    return srcPort === this.flow.dstPort && dstPort === this.flow.srcPort && src.equals(this.flow.dst) && dst.equals(this.flow.src);
  }

  /** One segment from the laptop for this connection (checksum already verified). */
  segment(seg: TcpSegment): void {
    switch (this.state) {
      case 'CLOSED':
        return;
      case 'SYN_PENDING':
        if (seg.flags & RST) this.abort('reset by the laptop before accept');
        return; // retransmitted SYNs wait for the owner's answer
      case 'SYN_RECEIVED':
        if (!this.synReceived(seg)) return;
        break;
      default:
    }
    if (seg.flags & RST) {
      if (this.inWindow(seg.seq)) this.abort('reset by the laptop');
      return;
    }
    if (seg.flags & SYN) {
      this.sendAck(); // a challenge ACK (RFC 5961 §4)
      return;
    }
    if (!(seg.flags & ACK) || !this.processAck(seg)) return;
    this.processData(seg);
  }

  /** Handles a segment in SYN_RECEIVED; true when it completed the handshake and should be processed on. */
  private synReceived(seg: TcpSegment): boolean {
    if (seg.flags & RST) {
      this.abort('reset by the laptop during the handshake');
      return false;
    }
    if (seg.flags & SYN) {
      if (seqAdd(seg.seq, 1) === this.rcvNxt) this.sendSynAck();
      return false;
    }
    if (!(seg.flags & ACK)) return false;
    if (seg.ack !== seqAdd(this.iss, 1)) {
      this.host.send(buildTcp(this.flow, seg.ack, 0, RST, 0, undefined, 0));
      return false;
    }
    this.state = 'ESTABLISHED';
    this.sndUna = seg.ack;
    this.sndWnd = seg.window << this.sndShift;
    this.sndWl1 = seg.seq;
    this.sndWl2 = seg.ack;
    if (this.retries === 0) this.rtt.sample(this.host.clock.now() - this.rttStart);
    this.retries = 0;
    this.rtt.backoff = 0;
    this.disarm();
    this.scheduleFlush();
    return true;
  }

  private sendSynAck(): void {
    const window = Math.min(0xffff, this.receiveSpace());
    this.rcvEdge = seqAdd(this.rcvNxt, window);
    const options = synOptions(this.settings.mss, this.offersScale ? this.rcvShift : undefined, this.sack);
    this.host.send(buildTcp(this.flow, this.iss, this.rcvNxt, SYN | ACK, window, options, 0));
    this.sndNxt = this.sndMax = seqAdd(this.iss, 1);
    this.rttStart = this.host.clock.now();
    this.arm('rto', this.rtt.rto);
  }

  private inWindow(seq: number): boolean {
    const offset = seqDiff(seq, this.rcvNxt);
    return offset >= 0 && offset < Math.max(1, seqDiff(this.rcvEdge, this.rcvNxt));
  }

  // ---- acknowledgements of what we sent -------------------------------------------------------------------

  /** False when the segment is to be dropped. */
  private processAck(seg: TcpSegment): boolean {
    const ack = seg.ack;
    if (seqGt(ack, this.sndMax)) {
      this.sendAck();
      return false;
    }
    let windowChanged = false;
    if (seqLt(this.sndWl1, seg.seq) || (this.sndWl1 === seg.seq && seqGeq(ack, this.sndWl2))) {
      const window = seg.window << this.sndShift;
      windowChanged = window !== this.sndWnd;
      this.sndWnd = window;
      this.sndWl1 = seg.seq;
      this.sndWl2 = ack;
    }
    const advanced = seqDiff(ack, this.sndUna);
    if (advanced > 0) this.ackAdvanced(ack, advanced);
    else if (advanced === 0 && seg.data.length === 0 && !(seg.flags & FIN) && !windowChanged) this.duplicateAck();
    if (this.state === 'CLOSED') return false;
    if (advanced > 0 || windowChanged) this.trySend();
    return true;
  }

  private ackAdvanced(ack: number, advanced: number): void {
    let dataAcked = advanced;
    const finNowAcked = this.finQueued && !this.finAcked && advanced > this.queue.bytes;
    if (finNowAcked) dataAcked = this.queue.bytes;
    this.queue.consume(dataAcked);
    this.sndUna = ack;
    if (seqLt(this.sndNxt, ack)) this.sndNxt = ack;
    if (this.rttSeq !== undefined && seqGeq(ack, this.rttSeq)) {
      this.rtt.sample(this.host.clock.now() - this.rttStart);
      this.rttSeq = undefined;
    }
    this.retries = 0;
    this.rtt.backoff = 0;
    this.growWindow(ack, advanced);
    this.dupAcks = 0;
    if (this.sndMax !== this.sndUna) this.arm('rto', this.rtt.rto);
    else this.disarm();
    if (this.writeCallback && this.queue.bytes < this.sndBuf) {
      const callback = this.writeCallback;
      this.writeCallback = undefined;
      callback();
    }
    if (finNowAcked) this.ourFinAcked();
  }

  /** Slow start, congestion avoidance and NewReno's partial acknowledgements (RFC 5681, RFC 6582). */
  private growWindow(ack: number, advanced: number): void {
    if (this.recover !== undefined) {
      if (seqGeq(ack, this.recover)) {
        this.recover = undefined;
        this.cwnd = this.ssthresh;
      } else {
        this.retransmitFirst();
        this.cwnd = Math.max(this.mss, this.cwnd - advanced + this.mss);
      }
      return;
    }
    if (this.cwnd < this.ssthresh) this.cwnd += Math.min(advanced, 2 * this.mss);
    else this.cwnd += Math.max(1, Math.floor((this.mss * this.mss) / this.cwnd));
    this.cwnd = Math.min(this.cwnd, Math.max(this.sndBuf, 4 * this.mss) + this.mss);
  }

  private duplicateAck(): void {
    if (this.sndMax === this.sndUna) return;
    this.dupAcks++;
    if (this.dupAcks === 3 && this.recover === undefined) {
      this.ssthresh = Math.max(Math.floor(seqDiff(this.sndMax, this.sndUna) / 2), 2 * this.mss);
      this.recover = this.sndMax;
      this.retransmitFirst();
      this.cwnd = this.ssthresh + 3 * this.mss;
    } else if (this.dupAcks > 3 && this.recover !== undefined) {
      this.cwnd += this.mss;
      this.trySend();
    }
  }

  private ourFinAcked(): void {
    this.finAcked = true;
    const callback = this.finalCallback;
    this.finalCallback = undefined;
    if (this.state === 'FIN_WAIT_1') this.state = 'FIN_WAIT_2';
    else if (this.state === 'CLOSING') this.enterTimeWait();
    else if (this.state === 'LAST_ACK') this.enterClosed();
    callback?.();
  }

  // ---- data from the laptop -------------------------------------------------------------------------------

  private processData(seg: TcpSegment): void {
    let data = seg.data;
    let fin = (seg.flags & FIN) !== 0;
    if (data.length === 0 && !fin) {
      // A segment below the window (a zero-window probe from Linux) asks for our ACK (RFC 9293 §3.10.7.4).
      if (seqLt(seg.seq, this.rcvNxt)) this.sendAck();
      return;
    }
    if (!RECEIVING.has(this.state)) {
      this.sendAck(); // e.g. a retransmitted FIN in TIME_WAIT: acknowledge it again
      return;
    }
    let offset = seqDiff(seg.seq, this.rcvNxt);
    if (offset < 0) {
      if (-offset >= data.length + (fin ? 1 : 0)) return this.sendAck(); // all old: a duplicate
      data = data.subarray(Math.min(-offset, data.length));
      offset = 0;
    }
    const limit = Math.max(seqDiff(this.rcvEdge, this.rcvNxt), this.receiveSpace());
    if (offset + data.length > limit) {
      data = data.subarray(0, Math.max(0, limit - offset));
      fin = false;
    }
    if (offset > 0) {
      if ((data.length > 0 || fin) && this.reorder.bytes + data.length <= this.rcvBuf) {
        this.lastReordered = seqAdd(this.rcvNxt, offset);
        this.reorder.insert(this.lastReordered, offset, data, fin);
      }
      return this.sendAck(); // a duplicate ACK tells the laptop about the hole at once
    }
    if (data.length === 0 && !fin) return this.sendAck();
    this.deliver(data);
    const filled = this.reorder.pieces.length > 0;
    if (filled) fin = this.drainReorder() || fin;
    if (fin) this.peerFin();
    else this.ackSoon(filled);
  }

  private deliver(data: Buffer): void {
    if (data.length === 0) return;
    this.rcvNxt = seqAdd(this.rcvNxt, data.length);
    if (!this.readableEnded && !this.destroyed) this.push(Buffer.from(data));
  }

  /** Delivers the queued segments the new data made contiguous; true when a FIN became due. */
  private drainReorder(): boolean {
    for (;;) {
      const first = this.reorder.pieces[0];
      if (!first) return false;
      const offset = seqDiff(first.seq, this.rcvNxt);
      if (offset > 0) return false;
      this.reorder.shift();
      if (-offset < first.data.length) this.deliver(first.data.subarray(-offset));
      if (first.fin && -offset <= first.data.length) return true;
    }
  }

  private peerFin(): void {
    this.rcvNxt = seqAdd(this.rcvNxt, 1);
    this.reorder.clear();
    if (!this.readableEnded && !this.destroyed) this.push(null);
    if (this.state === 'ESTABLISHED') this.state = 'CLOSE_WAIT';
    else if (this.state === 'FIN_WAIT_1') this.state = 'CLOSING';
    else if (this.state === 'FIN_WAIT_2') this.enterTimeWait();
    this.sendAck();
  }

  /** Acknowledges every second segment at once, others after a short delay (RFC 1122 §4.2.3.2). */
  private ackSoon(now: boolean): void {
    this.ackPending = true;
    if (now || ++this.segmentsUnacked >= 2) return this.sendAck();
    this.delayedAck ??= this.host.clock.setTimeout(() => {
      this.delayedAck = undefined;
      if (this.ackPending && this.state !== 'CLOSED') this.sendAck();
    }, DELAYED_ACK_MS);
  }

  private receiveSpace(): number {
    return Math.max(0, this.rcvBuf - this.readableLength);
  }

  /** The window field to send, moving the advertised right edge (never to the left). */
  private advertise(): number {
    let field = Math.min(0xffff, Math.floor(this.receiveSpace() / 2 ** this.rcvShift));
    const edge = seqAdd(this.rcvNxt, field * 2 ** this.rcvShift);
    if (seqLt(edge, this.rcvEdge)) field = Math.min(0xffff, Math.ceil(seqDiff(this.rcvEdge, this.rcvNxt) / 2 ** this.rcvShift));
    else this.rcvEdge = edge;
    return field;
  }

  /** Reading made room: tell the laptop when its window had become small and grew by a useful amount. */
  private windowUpdate(): void {
    if (!RECEIVING.has(this.state)) return;
    const advertised = seqDiff(this.rcvEdge, this.rcvNxt);
    if (advertised >= this.rcvBuf / 2) return;
    const threshold = Math.min(this.rcvBuf / 2, 2 * this.settings.mss);
    if (this.receiveSpace() - advertised >= threshold) this.sendAck();
  }

  override _read(): void {
    this.windowUpdate();
  }

  override read(size?: number): ReturnType<Duplex['read']> {
    const chunk = super.read(size) as unknown;
    if (chunk !== null) this.windowUpdate();
    return chunk;
  }

  // ---- data to the laptop ---------------------------------------------------------------------------------

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.queue.push(chunk);
    this.scheduleFlush();
    if (this.queue.bytes < this.sndBuf) callback();
    else this.writeCallback = callback;
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.finQueued = true;
    this.finalCallback = callback;
    this.scheduleFlush();
  }

  /** Sends on the next microtask, so that writes made together leave as full segments. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.trySend();
    });
  }

  /** Sends what the laptop's window and the congestion window allow. */
  private trySend(): void {
    if (!SENDING.has(this.state)) return;
    const window = Math.min(this.sndWnd, this.cwnd);
    for (;;) {
      const dataEnd = seqAdd(this.sndUna, this.queue.bytes);
      const unsent = seqDiff(dataEnd, this.sndNxt);
      if (unsent > 0) {
        const room = window - seqDiff(this.sndNxt, this.sndUna);
        if (room <= 0) break;
        const length = Math.min(this.mss, unsent, room);
        this.sendData(this.sndNxt, length, this.finQueued && length === unsent);
        continue;
      }
      if (unsent === 0 && this.finQueued && !this.finAcked) this.sendData(this.sndNxt, 0, true);
      break;
    }
    if (this.sndMax !== this.sndUna) {
      if (this.timerKind !== 'rto' && this.timerKind !== 'rto-confirm') this.arm('rto', this.rtt.rto);
    } else if (this.queue.bytes > 0 && this.sndWnd === 0 && this.timerKind !== 'persist') {
      this.arm('persist', this.rtt.rto);
    }
  }

  /** Sends `length` bytes from `seq` (and FIN after them); moves sndNxt past them. */
  private sendData(seq: number, length: number, fin: boolean): void {
    const offset = seqDiff(seq, this.sndUna);
    const last = offset + length === this.queue.bytes;
    const flags = ACK | (fin ? FIN : 0) | (length > 0 && last ? PSH : 0);
    const window = this.advertise();
    const packet = buildTcp(this.flow, seq, this.rcvNxt, flags, window, undefined, length, (out, at) => this.queue.copy(offset, length, out, at));
    const end = seqAdd(seq, length + (fin ? 1 : 0));
    if (seqLt(seq, this.sndMax)) {
      this.host.stats.retransmits++;
      this.rttSeq = undefined;
    } else if (this.rttSeq === undefined) {
      this.rttSeq = end;
      this.rttStart = this.host.clock.now();
    }
    if (seqGt(end, this.sndNxt)) this.sndNxt = end;
    if (seqGt(end, this.sndMax)) this.sndMax = end;
    if (fin) {
      if (this.state === 'ESTABLISHED') this.state = 'FIN_WAIT_1';
      else if (this.state === 'CLOSE_WAIT') this.state = 'LAST_ACK';
    }
    this.ackSent();
    this.host.send(packet);
  }

  /** Resends the first unacknowledged segment (fast retransmit, partial ACK). */
  private retransmitFirst(): void {
    const unacked = Math.min(this.queue.bytes, seqDiff(this.sndMax, this.sndUna));
    const length = Math.min(this.mss, unacked);
    const fin = this.finQueued && !this.finAcked && length === this.queue.bytes && seqGt(this.sndMax, seqAdd(this.sndUna, length));
    if (length === 0 && !fin) return;
    const saved = this.sndNxt;
    this.sendData(this.sndUna, length, fin);
    if (seqGt(saved, this.sndNxt)) this.sndNxt = saved;
    this.arm('rto', this.rtt.rto);
  }

  private sendAck(): void {
    if (this.state === 'CLOSED' || this.state === 'SYN_PENDING') return;
    const window = this.advertise();
    this.ackSent();
    const options = this.sack && this.reorder.pieces.length > 0 ? sackOption(this.reorder.blocks(this.lastReordered, 3)) : undefined;
    this.host.send(buildTcp(this.flow, this.sndNxt, this.rcvNxt, ACK, window, options, 0));
  }

  private ackSent(): void {
    this.ackPending = false;
    this.segmentsUnacked = 0;
  }

  // ---- timers ---------------------------------------------------------------------------------------------

  /** Sets the connection's one timer; the underlying timer is only replaced when it must fire earlier. */
  private arm(kind: TimerKind, ms: number): void {
    const clock = this.host.clock;
    this.timerKind = kind;
    this.timerAt = clock.now() + ms;
    if (this.timerHandle !== undefined && this.timerHandleAt <= this.timerAt) return;
    if (this.timerHandle !== undefined) clock.clearTimeout(this.timerHandle);
    this.schedule(ms);
  }

  private schedule(ms: number): void {
    this.timerHandleAt = this.host.clock.now() + ms;
    this.timerHandle = this.host.clock.setTimeout(() => this.timerFired(), ms);
  }

  private disarm(): void {
    this.timerKind = undefined;
    this.timerAt = 0;
  }

  private timerFired(): void {
    this.timerHandle = undefined;
    const kind = this.timerKind;
    if (kind === undefined || this.state === 'CLOSED') return;
    const left = this.timerAt - this.host.clock.now();
    if (left > 0) return this.schedule(left);
    this.disarm();
    if (kind === 'accept') return this.refuse();
    if (kind === 'time-wait') return this.enterClosed();
    if (kind === 'persist') return this.probe();
    if (kind === 'rto' && this.state !== 'SYN_RECEIVED') {
      // The timers phase runs before pending reads: after an event-loop stall the ACKs that would have
      // stopped this timer may be waiting. Look again once they had their turn, instead of going back N.
      this.timerKind = 'rto-confirm';
      this.timerAt = this.host.clock.now();
      return this.schedule(0);
    }
    this.retransmissionTimeout();
  }

  private retransmissionTimeout(): void {
    this.retries++;
    this.rtt.backoff++;
    const limit = this.state === 'SYN_RECEIVED' ? MAX_SYNACK_RETRIES : MAX_RETRIES;
    if (this.retries > limit) {
      this.sendRst();
      this.abort('retransmission timeout');
      return;
    }
    if (this.state === 'SYN_RECEIVED') return this.sendSynAck();
    this.host.log(`tcp ${this.describe()}: retransmission timeout ${this.retries}, rto ${this.rtt.rto} ms`);
    // Go back N (RFC 5681 §3.1, RFC 6582): one segment now, the rest as ACKs return.
    const flight = seqDiff(this.sndMax, this.sndUna);
    this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.mss);
    this.cwnd = this.mss;
    this.recover = undefined;
    this.dupAcks = 0;
    this.rttSeq = undefined;
    this.sndNxt = this.sndUna;
    this.trySend();
    this.arm('rto', this.rtt.rto);
  }

  /** A zero-window probe: an ACK below the window makes the laptop answer with its current window. */
  private probe(): void {
    if (this.sndWnd > 0 || this.queue.bytes === 0) return this.trySend();
    this.host.send(buildTcp(this.flow, seqAdd(this.sndUna, -1), this.rcvNxt, ACK, this.advertise(), undefined, 0));
    this.rtt.backoff++;
    this.arm('persist', Math.min(PERSIST_MAX_MS, this.rtt.rto));
  }

  private enterTimeWait(): void {
    this.state = 'TIME_WAIT';
    this.arm('time-wait', this.settings.timeWaitMs);
  }

  // ---- ending ---------------------------------------------------------------------------------------------

  private sendRst(): void {
    this.host.send(buildTcp(this.flow, this.sndNxt, this.rcvNxt, RST | ACK, 0, undefined, 0));
  }

  /** Ends the connection abnormally: the stream is destroyed (without an error event). */
  abort(reason: string): void {
    if (this.state === 'CLOSED') return;
    this.abortReason = reason;
    this.host.log(`tcp ${this.describe()}: ${reason}`);
    this.enterClosed(reason);
    this.destroy();
  }

  /** Stops the timers and forgets the connection. */
  private enterClosed(reason?: string): void {
    if (this.state === 'CLOSED') return;
    if (reason && !this.abortReason) this.abortReason = reason;
    this.state = 'CLOSED';
    this.disarm();
    if (this.timerHandle !== undefined) this.host.clock.clearTimeout(this.timerHandle);
    if (this.delayedAck !== undefined) this.host.clock.clearTimeout(this.delayedAck);
    this.timerHandle = this.delayedAck = undefined;
    this.reorder.clear();
    this.host.release(this);
  }

  /** Resets the connection (the stack is closing). */
  reset(reason: string): void {
    if (this.state === 'CLOSED') return;
    if (this.state === 'SYN_PENDING') return this.refuse();
    if (this.state !== 'TIME_WAIT') this.sendRst();
    this.abort(reason);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.state === 'SYN_PENDING') this.refuse();
    else if (this.state === 'TIME_WAIT') {
      // finished cleanly: TIME_WAIT runs out by itself
    } else if (this.state !== 'CLOSED') {
      this.sendRst();
      this.enterClosed('destroyed by its owner');
    }
    callback(error);
  }

  private describe(): string {
    return `${this.source.address}:${this.source.port} -> ${this.destination.address}:${this.destination.port}`;
  }
}

/** The window scale that lets `buffer` be advertised (RFC 7323 §2). */
function scaleFor(buffer: number): number {
  let shift = 0;
  while (shift < 14 && buffer / 2 ** shift > 0xffff) shift++;
  return shift;
}
