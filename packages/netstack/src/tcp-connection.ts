// One TCP connection terminated by the stack (RFC 9293), seen by its owner as a Duplex stream. The stack
// only ever opens passively: the laptop's application is the client, the stream's owner plays the server.
import { Duplex } from 'node:stream';
import { LazyTimer } from './lazy-timer.js';
import { LossRecovery, type RecoverySender } from './loss-recovery.js';
import { RttEstimator } from './rtt.js';
import { seqAdd, seqDiff, seqGeq, seqGt, seqLt } from './seq.js';
import { Receiver } from './receiver.js';
import { SendQueue } from './send-queue.js';
import { ACK, buildTcp, FIN, PSH, RST, SYN, synOptions, type TcpFlow, type TcpSegment } from './tcp-segment.js';
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
const PERSIST_MAX_MS = 10_000;

type TimerKind = 'accept' | 'rto' | 'rto-confirm' | 'persist' | 'time-wait';

/** States in which the laptop may still send us data. */
const RECEIVING: ReadonlySet<TcpState> = new Set(['ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2']);
/** States in which our side sends (or resends) data and FIN. */
const SENDING: ReadonlySet<TcpState> = new Set(['ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT_1', 'CLOSING', 'LAST_ACK']);

export class StackTcpConnection extends Duplex implements TcpConnection {
  state: TcpState = 'SYN_PENDING';
  abortReason: string | undefined;

  private readonly sndShift: number;
  private readonly offersScale: boolean;
  private readonly mss: number;
  private readonly sndBuf: number;
  private readonly receiver: Receiver;

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

  private readonly recovery: LossRecovery;
  private readonly rtt = new RttEstimator();
  private rttSeq: number | undefined;
  private rttStart = 0;
  private retries = 0;

  private readonly timer: LazyTimer<TimerKind>;

  constructor(
    private readonly host: ConnectionHost,
    private readonly flow: TcpFlow,
    readonly source: Endpoint,
    readonly destination: Endpoint,
    syn: TcpSegment,
    private readonly settings: ConnectionSettings,
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: settings.receiveBuffer });
    this.sndBuf = settings.sendBuffer;
    this.offersScale = syn.wscale !== undefined;
    this.sndShift = syn.wscale ?? 0;
    const peerMss = syn.mss ?? (flow.src.length === 4 ? 536 : 1220);
    this.mss = Math.max(64, Math.min(peerMss, settings.mss));
    const outlet = {
      buffered: () => this.readableLength,
      deliver: (data: Buffer) => {
        if (!this.readableEnded && !this.destroyed) this.push(Buffer.from(data));
      },
      sendAck: () => this.sendAck(),
    };
    const shift = this.offersScale ? scaleFor(settings.receiveBuffer) : 0;
    this.receiver = new Receiver(host.clock, outlet, syn.seq, settings.receiveBuffer, shift, syn.sackPermitted === true, settings.mss);
    this.iss = settings.iss >>> 0;
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.sndMax = this.iss;
    this.sndWnd = syn.window;
    this.sndWl1 = syn.seq;
    this.sndWl2 = this.iss;
    this.recovery = new LossRecovery(this.recoverySender(), this.mss, Math.max(this.sndBuf, 4 * this.mss) + this.mss);
    this.timer = new LazyTimer(host.clock, (kind) => this.timerExpired(kind));
    this.timer.arm('accept', settings.acceptTimeoutMs);
  }

  accept(): void {
    if (this.state !== 'SYN_PENDING' || this.destroyed) return;
    this.state = 'SYN_RECEIVED';
    this.sendSynAck();
  }

  refuse(): void {
    if (this.state !== 'SYN_PENDING') return;
    this.host.send(buildTcp(this.flow, 0, this.receiver.next, RST | ACK, 0, undefined, 0));
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
      if (this.receiver.inWindow(seg.seq)) this.abort('reset by the laptop');
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
      if (seqAdd(seg.seq, 1) === this.receiver.next) this.sendSynAck();
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
    this.timer.disarm();
    this.scheduleFlush();
    return true;
  }

  private sendSynAck(): void {
    const window = this.receiver.synWindow();
    const options = synOptions(this.settings.mss, this.offersScale ? this.receiver.shift : undefined, this.receiver.sack);
    this.host.send(buildTcp(this.flow, this.iss, this.receiver.next, SYN | ACK, window, options, 0));
    this.sndNxt = this.sndMax = seqAdd(this.iss, 1);
    this.rttStart = this.host.clock.now();
    this.timer.arm('rto', this.rtt.rto);
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
    if (seg.sack) this.recovery.sacked(seg.sack, ack);
    if (advanced > 0) this.ackAdvanced(ack, advanced);
    // A duplicate ACK leaves the window alone (RFC 5681 §2), but one carrying SACK blocks is one even when the
    // window moved: a laptop whose reader keeps up changes its window with nearly every ACK.
    else if (advanced === 0 && seg.data.length === 0 && !(seg.flags & FIN) && (!windowChanged || seg.sack)) this.recovery.duplicate();
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
    this.recovery.acknowledged(ack, advanced);
    if (this.sndMax !== this.sndUna) this.timer.arm('rto', this.rtt.rto);
    else this.timer.disarm();
    if (this.writeCallback && this.queue.bytes < this.sndBuf) {
      const callback = this.writeCallback;
      this.writeCallback = undefined;
      callback();
    }
    if (finNowAcked) this.ourFinAcked();
  }

  private recoverySender(): RecoverySender {
    const self = this;
    return {
      get una() {
        return self.sndUna;
      },
      get max() {
        return self.sndMax;
      },
      get queued() {
        return self.queue.bytes;
      },
      finFollows: (length) =>
        this.finQueued && !this.finAcked && length === this.queue.bytes && seqGt(this.sndMax, seqAdd(this.sndUna, length)),
      resend: (seq, length, fin) => {
        const next = this.sndNxt;
        this.sendData(seq, length, fin);
        if (seqGt(next, this.sndNxt)) this.sndNxt = next;
        if (seq === this.sndUna) this.timer.arm('rto', this.rtt.rto);
      },
      sendMore: () => this.trySend(),
    };
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
    const fin = (seg.flags & FIN) !== 0;
    if (seg.data.length === 0 && !fin) {
      // A segment below the window (a zero-window probe from Linux) asks for our ACK (RFC 9293 §3.10.7.4).
      if (seqLt(seg.seq, this.receiver.next)) this.sendAck();
      return;
    }
    if (!RECEIVING.has(this.state)) return this.sendAck(); // e.g. a retransmitted FIN in TIME_WAIT
    if (this.receiver.receive(seg.seq, seg.data, fin)) this.peerFin();
  }

  private peerFin(): void {
    this.receiver.finReceived();
    if (!this.readableEnded && !this.destroyed) this.push(null);
    if (this.state === 'ESTABLISHED') this.state = 'CLOSE_WAIT';
    else if (this.state === 'FIN_WAIT_1') this.state = 'CLOSING';
    else if (this.state === 'FIN_WAIT_2') this.enterTimeWait();
    this.sendAck();
  }

  /** Reading made room: tell the laptop when its window had become small. */
  private windowUpdate(): void {
    if (RECEIVING.has(this.state) && this.receiver.wantsWindowUpdate()) this.sendAck();
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
    const window = Math.min(this.sndWnd, this.recovery.window);
    for (;;) {
      const dataEnd = seqAdd(this.sndUna, this.queue.bytes);
      const unsent = seqDiff(dataEnd, this.sndNxt);
      if (unsent > 0) {
        const room = window - this.recovery.inFlight(this.sndNxt);
        if (room <= 0) break;
        // Going back after a timeout: what the laptop SACKed is not sent again.
        const { skipTo, atMost } = this.recovery.goingBack(this.sndNxt);
        if (skipTo !== undefined) {
          this.sndNxt = skipTo;
          continue;
        }
        const length = Math.min(this.mss, unsent, room, atMost ?? unsent);
        this.sendData(this.sndNxt, length, this.finQueued && length === unsent);
        continue;
      }
      if (unsent === 0 && this.finQueued && !this.finAcked) this.sendData(this.sndNxt, 0, true);
      break;
    }
    if (this.sndMax !== this.sndUna) {
      if (this.timer.kind !== 'rto' && this.timer.kind !== 'rto-confirm') this.timer.arm('rto', this.rtt.rto);
    } else if (this.queue.bytes > 0 && this.sndWnd === 0 && this.timer.kind !== 'persist') {
      this.timer.arm('persist', this.rtt.rto);
    }
  }

  /** Sends `length` bytes from `seq` (and FIN after them); moves sndNxt past them. */
  private sendData(seq: number, length: number, fin: boolean): void {
    const offset = seqDiff(seq, this.sndUna);
    const last = offset + length === this.queue.bytes;
    const flags = ACK | (fin ? FIN : 0) | (length > 0 && last ? PSH : 0);
    const window = this.receiver.advertise();
    const packet = buildTcp(this.flow, seq, this.receiver.next, flags, window, undefined, length, (out, at) =>
      this.queue.copy(offset, length, out, at),
    );
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
    this.receiver.ackSent();
    this.host.send(packet);
  }

  private sendAck(): void {
    if (this.state === 'CLOSED' || this.state === 'SYN_PENDING') return;
    const window = this.receiver.advertise();
    this.receiver.ackSent();
    // sndMax, not sndNxt: after going back N, the laptop may hold more than sndNxt and would not take an ACK below it.
    this.host.send(buildTcp(this.flow, this.sndMax, this.receiver.next, ACK, window, this.receiver.sackOption(), 0));
  }

  // ---- timers ---------------------------------------------------------------------------------------------

  private timerExpired(kind: TimerKind): void {
    if (this.state === 'CLOSED') return;
    if (kind === 'accept') return this.refuse();
    if (kind === 'time-wait') return this.enterClosed();
    if (kind === 'persist') return this.probe();
    if (kind === 'rto' && this.state !== 'SYN_RECEIVED') {
      // The timers phase runs before pending reads: after an event-loop stall the ACKs that would have
      // stopped this timer may be waiting. Look again once they had their turn, instead of going back N.
      return this.timer.arm('rto-confirm', 0);
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
    const flight = seqDiff(this.sndMax, this.sndUna);
    this.host.log(
      `tcp ${this.describe()}: retransmission timeout ${this.retries}, rto ${this.rtt.rto} ms, una ${this.sndUna}, ${flight} bytes in flight, ${this.queue.bytes} queued, window ${this.sndWnd}, ${this.recovery.describe()}`,
    );
    // Go back N (RFC 5681 §3.1, RFC 6582): one segment now, the rest as ACKs return.
    this.recovery.timedOut(this.retries);
    this.rttSeq = undefined;
    this.sndNxt = this.sndUna;
    this.trySend();
    this.timer.arm('rto', this.rtt.rto);
  }

  /** A zero-window probe: an ACK below the window makes the laptop answer with its current window. */
  private probe(): void {
    if (this.sndWnd > 0 || this.queue.bytes === 0) return this.trySend();
    this.host.send(buildTcp(this.flow, seqAdd(this.sndUna, -1), this.receiver.next, ACK, this.receiver.advertise(), undefined, 0));
    this.rtt.backoff++;
    this.timer.arm('persist', Math.min(PERSIST_MAX_MS, this.rtt.rto));
  }

  private enterTimeWait(): void {
    this.state = 'TIME_WAIT';
    this.timer.arm('time-wait', this.settings.timeWaitMs);
  }

  // ---- ending ---------------------------------------------------------------------------------------------

  private sendRst(): void {
    this.host.send(buildTcp(this.flow, this.sndMax, this.receiver.next, RST | ACK, 0, undefined, 0));
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
    this.timer.stop();
    this.receiver.stop();
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
