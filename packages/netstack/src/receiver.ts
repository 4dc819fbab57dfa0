// The receiving half of a connection: what the laptop sent, put in order (segments ahead of a hole wait in a
// bounded queue), the receive window it may fill (the owner's unread bytes shrink it), and when to ACK.
import { seqAdd, seqDiff, seqLt } from './seq.js';
import { ReorderQueue } from './reorder-queue.js';
import { sackOption } from './tcp-segment.js';
import type { StackClock } from './types.js';

const DELAYED_ACK_MS = 1;

/** Where received data goes, and how an ACK is sent. */
export interface ReceiverOutlet {
  /** Bytes delivered and not yet read by the owner. */
  buffered(): number;
  /** In-order data (a view into the input packet: copy it). */
  deliver(data: Buffer): void;
  sendAck(): void;
}

export class Receiver {
  /** The next sequence number expected (RCV.NXT). */
  next: number;
  /** The right edge of the window last advertised: never moved left. */
  private edge: number;
  private readonly reorder = new ReorderQueue();
  /** Sequence number of the latest segment queued beyond a hole (for the first SACK block). */
  private lastReordered = 0;
  private ackPending = false;
  private segmentsUnacked = 0;
  private delayedAck: unknown;

  constructor(
    private readonly clock: StackClock,
    private readonly outlet: ReceiverOutlet,
    initialSequence: number,
    /** Receive buffer: the largest window. */
    readonly buffer: number,
    /** Our window scale (0 when the laptop offered none). */
    readonly shift: number,
    /** The laptop offered SACK. */
    readonly sack: boolean,
    private readonly mss: number,
  ) {
    this.next = seqAdd(initialSequence, 1);
    this.edge = this.next;
  }

  space(): number {
    return Math.max(0, this.buffer - this.outlet.buffered());
  }

  inWindow(seq: number): boolean {
    const offset = seqDiff(seq, this.next);
    return offset >= 0 && offset < Math.max(1, seqDiff(this.edge, this.next));
  }

  /** The window of a SYN-ACK, never scaled (RFC 7323 §2.2). */
  synWindow(): number {
    const window = Math.min(0xffff, this.space());
    this.edge = seqAdd(this.next, window);
    return window;
  }

  /** The window field to send, moving the advertised right edge (never to the left). */
  advertise(): number {
    const unit = 2 ** this.shift;
    let field = Math.min(0xffff, Math.floor(this.space() / unit));
    const edge = seqAdd(this.next, field * unit);
    if (seqLt(edge, this.edge)) field = Math.min(0xffff, Math.ceil(seqDiff(this.edge, this.next) / unit));
    else this.edge = edge;
    return field;
  }

  /**
   * Takes the data (and FIN) of a segment: in-order data is delivered, data ahead of a hole is queued and
   * acknowledged at once (a duplicate ACK), old data is acknowledged again. True when the laptop's FIN is
   * now due: the caller then counts it with finReceived() and acknowledges.
   */
  receive(seq: number, segmentData: Buffer, segmentFin: boolean): boolean {
    let data = segmentData;
    let fin = segmentFin;
    let offset = seqDiff(seq, this.next);
    if (offset < 0) {
      if (-offset >= data.length + (fin ? 1 : 0)) return this.ackNow(); // all old: a duplicate
      data = data.subarray(Math.min(-offset, data.length));
      offset = 0;
    }
    const limit = Math.max(seqDiff(this.edge, this.next), this.space());
    if (offset + data.length > limit) {
      data = data.subarray(0, Math.max(0, limit - offset));
      fin = false;
    }
    if (offset > 0) {
      if ((data.length > 0 || fin) && this.reorder.bytes + data.length <= this.buffer) {
        this.lastReordered = seqAdd(this.next, offset);
        this.reorder.insert(this.lastReordered, offset, data, fin);
      }
      return this.ackNow(); // tells the laptop about the hole at once
    }
    if (data.length === 0 && !fin) return this.ackNow();
    this.deliver(data);
    const filled = this.reorder.pieces.length > 0;
    if (filled) fin = this.drainReorder() || fin;
    if (!fin) this.ackSoon(filled);
    return fin;
  }

  finReceived(): void {
    this.next = seqAdd(this.next, 1);
    this.reorder.clear();
  }

  private deliver(data: Buffer): void {
    if (data.length === 0) return;
    this.next = seqAdd(this.next, data.length);
    this.outlet.deliver(data);
  }

  /** Delivers the queued segments the new data made contiguous; true when a FIN became due. */
  private drainReorder(): boolean {
    for (;;) {
      const first = this.reorder.pieces[0];
      if (!first) return false;
      const offset = seqDiff(first.seq, this.next);
      if (offset > 0) return false;
      this.reorder.shift();
      if (-offset < first.data.length) this.deliver(first.data.subarray(-offset));
      if (first.fin && -offset <= first.data.length) return true;
    }
  }

  private ackNow(): false {
    this.outlet.sendAck();
    return false;
  }

  /** Acknowledges every second segment at once, others after a short delay (RFC 1122 §4.2.3.2). */
  private ackSoon(now: boolean): void {
    this.ackPending = true;
    if (now || ++this.segmentsUnacked >= 2) return this.outlet.sendAck();
    this.delayedAck ??= this.clock.setTimeout(() => {
      this.delayedAck = undefined;
      if (this.ackPending) this.outlet.sendAck();
    }, DELAYED_ACK_MS);
  }

  /** Any segment we send carries the acknowledgement. */
  ackSent(): void {
    this.ackPending = false;
    this.segmentsUnacked = 0;
  }

  /** After the owner read: true when the advertised window had become small and can grow by a useful amount. */
  wantsWindowUpdate(): boolean {
    const advertised = seqDiff(this.edge, this.next);
    if (advertised >= this.buffer / 2) return false;
    return this.space() - advertised >= Math.min(this.buffer / 2, 2 * this.mss);
  }

  /** The SACK option for an ACK, when the laptop takes SACK and segments wait beyond a hole. */
  sackOption(): Buffer | undefined {
    if (!this.sack || this.reorder.pieces.length === 0) return undefined;
    return sackOption(this.reorder.blocks(this.lastReordered, 3));
  }

  stop(): void {
    if (this.delayedAck !== undefined) this.clock.clearTimeout(this.delayedAck);
    this.delayedAck = undefined;
    this.reorder.clear();
  }
}
