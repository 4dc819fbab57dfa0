import type { Logger } from '@ktctl/plugin-api';
import { MAX_CONTROL_PAYLOAD } from '@ktctl/mux';
import type { DatagramChannel } from '../mux/mux-session.js';

/** A mux DATAGRAM payload holds the destination (at most 1 + 16 + 2 bytes for IPv6) and the datagram. */
const MAX_DATAGRAM_PAYLOAD = MAX_CONTROL_PAYLOAD - 19;

/** An IP address and port. */
export interface UdpEndpoint {
  readonly address: string;
  readonly port: number;
}

/** A datagram that came back from the cluster: from `source` (in the cluster) to `destination` (on the laptop). */
export interface RelayedDatagram {
  readonly source: UdpEndpoint;
  readonly destination: UdpEndpoint;
  readonly payload: Buffer;
}

export interface UdpRelayClientOptions {
  /** The datagram side of a live tunnel session (`pool.datagramChannel()`); asked again after it is lost. */
  readonly openChannel: () => Promise<DatagramChannel>;
  /** Each datagram the cluster sends back. */
  readonly onDatagram: (datagram: RelayedDatagram) => void;
  /** A flow with no datagram either way for this long is closed (the agent's default is 60 s too). */
  readonly idleMs?: number;
  /** Flows at most; the least recently used one is closed for a new one (the agent refuses beyond 1024). */
  readonly maxFlows?: number;
  /** Bytes queued while the channel opens, before datagrams are dropped. */
  readonly maxQueuedBytes?: number;
  /** After a failed open, sends within this long are dropped instead of trying again at once. */
  readonly retryAfterMs?: number;
  readonly logger?: Logger;
}

interface Flow {
  readonly id: number;
  readonly key: string;
  readonly local: UdpEndpoint;
  lastActive: number;
}

/** What the client did, for --debug and tests. */
export interface UdpRelayStats {
  sent: number;
  received: number;
  dropped: number;
  flows: number;
  channelsOpened: number;
}

const keyOf = (local: UdpEndpoint, remote: UdpEndpoint): string => `${local.address}|${local.port}|${remote.address}|${remote.port}`;

/** A datagram waiting for the channel to open. */
interface Queued {
  readonly flow: Flow;
  readonly remote: UdpEndpoint;
  readonly payload: Buffer;
}

/**
 * The laptop end of the UDP relay: datagrams to the cluster travel as mux DATAGRAM frames of one tunnel
 * session. Each (laptop endpoint, cluster endpoint) pair is a flow, so the agent gives it its own UDP
 * socket and replies find their way back. The channel is taken on the first datagram and again after it
 * was lost (a dropped session takes its flows along); memory stays bounded: datagrams are dropped, as UDP
 * may, when the queue is full or the session's send queue is congested.
 */
export class UdpRelayClient {
  private readonly flows = new Map<string, Flow>();
  private readonly byId = new Map<number, Flow>();
  private readonly queue: Queued[] = [];
  private queuedBytes = 0;
  private channel: DatagramChannel | undefined;
  private opening = false;
  private retryAt = 0;
  private nextId = 1;
  private closed = false;
  private readonly sweeper: NodeJS.Timeout;
  readonly stats: UdpRelayStats = { sent: 0, received: 0, dropped: 0, flows: 0, channelsOpened: 0 };

  constructor(private readonly options: UdpRelayClientOptions) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(500, this.idleMs / 4)).unref();
  }

  private get idleMs(): number {
    return this.options.idleMs ?? 60_000;
  }

  private get maxQueuedBytes(): number {
    return this.options.maxQueuedBytes ?? 1 << 20;
  }

  /** Sends one datagram from `local` (on the laptop) to `remote` (in the cluster); never throws for UDP's sake. */
  send(local: UdpEndpoint, remote: UdpEndpoint, payload: Buffer): void {
    if (this.closed) return;
    if (payload.length > MAX_DATAGRAM_PAYLOAD) return this.drop(`a ${payload.length}-byte datagram is too big to relay`);
    const flow = this.flowFor(local, remote);
    flow.lastActive = Date.now();
    this.stats.sent++;
    this.enqueue({ flow, remote, payload });
  }

  /** Closes the channel and forgets every flow. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    for (const flow of this.flows.values()) this.channel?.closeFlow(flow.id);
    this.forgetAll();
    this.channel = undefined;
  }

  private flowFor(local: UdpEndpoint, remote: UdpEndpoint): Flow {
    const key = keyOf(local, remote);
    const existing = this.flows.get(key);
    if (existing) return existing;
    if (this.flows.size >= (this.options.maxFlows ?? 1024)) this.evictLeastRecent();
    const flow: Flow = { id: this.freeId(), key, local: { address: local.address, port: local.port }, lastActive: Date.now() };
    this.flows.set(key, flow);
    this.byId.set(flow.id, flow);
    this.stats.flows = this.flows.size;
    return flow;
  }

  /** The next flow number not in use (u32, wrapping). */
  private freeId(): number {
    while (this.byId.has(this.nextId) || this.nextId === 0) this.nextId = (this.nextId + 1) >>> 0;
    const id = this.nextId;
    this.nextId = (this.nextId + 1) >>> 0;
    return id;
  }

  private evictLeastRecent(): void {
    let oldest: Flow | undefined;
    for (const flow of this.flows.values()) if (!oldest || flow.lastActive < oldest.lastActive) oldest = flow;
    if (oldest) this.closeFlow(oldest, true);
  }

  private closeFlow(flow: Flow, tellAgent: boolean): void {
    this.flows.delete(flow.key);
    this.byId.delete(flow.id);
    this.stats.flows = this.flows.size;
    if (tellAgent) this.channel?.closeFlow(flow.id);
  }

  private sweep(): void {
    const cutoff = Date.now() - this.idleMs;
    for (const flow of [...this.flows.values()]) if (flow.lastActive < cutoff) this.closeFlow(flow, true);
  }

  private enqueue(datagram: Queued): void {
    const channel = this.channel;
    if (channel) {
      // The session's writer is the queue; past its high-water mark it says no and we drop, like UDP.
      if (!channel.send(datagram.flow.id, datagram.remote, datagram.payload)) this.drop('the tunnel is not keeping up');
      return;
    }
    if (this.queuedBytes + datagram.payload.length > this.maxQueuedBytes) return this.drop('the relay channel is not open yet');
    this.queue.push(datagram);
    this.queuedBytes += datagram.payload.length;
    void this.open();
  }

  private drop(why: string): void {
    if (++this.stats.dropped % 1000 === 1) this.options.logger?.debug(`udp relay: datagram dropped (${why}); ${this.stats.dropped} so far`);
  }

  private async open(): Promise<void> {
    if (this.opening || this.closed) return;
    if (Date.now() < this.retryAt) return this.discardQueue('the relay channel failed to open a moment ago');
    this.opening = true;
    try {
      const channel = await this.options.openChannel();
      if (this.closed) return;
      this.attach(channel);
    } catch (error) {
      this.options.logger?.debug(`udp relay: cannot open the relay channel: ${(error as Error).message}`);
      this.retryAt = Date.now() + (this.options.retryAfterMs ?? 1_000);
      this.discardQueue('the relay channel could not be opened');
    } finally {
      this.opening = false;
    }
  }

  private discardQueue(why: string): void {
    for (let i = this.queue.length; i > 0; i--) this.drop(why);
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  private attach(channel: DatagramChannel): void {
    this.stats.channelsOpened++;
    this.channel = channel;
    channel.onDatagram((flow, source, payload) => this.channel === channel && this.receive(flow, source, payload));
    channel.onFlowClose((id) => {
      const flow = this.channel === channel && this.byId.get(id);
      if (flow) this.closeFlow(flow, false);
    });
    channel.onClose(() => this.lost(channel));
    for (const { flow, remote, payload } of this.queue.splice(0))
      if (!channel.send(flow.id, remote, payload)) this.drop('the tunnel is not keeping up');
    this.queuedBytes = 0;
  }

  /** The agent forgets every flow with the session: so does the laptop; the next datagram takes a new one. */
  private lost(channel: DatagramChannel): void {
    if (this.channel !== channel) return;
    this.channel = undefined;
    this.forgetAll();
    if (!this.closed) this.options.logger?.debug('udp relay: tunnel session closed; the next datagram takes another');
  }

  private forgetAll(): void {
    this.flows.clear();
    this.byId.clear();
    this.stats.flows = 0;
  }

  private receive(id: number, source: UdpEndpoint, payload: Buffer): void {
    const flow = this.byId.get(id);
    if (!flow) return;
    flow.lastActive = Date.now();
    this.stats.received++;
    this.options.onDatagram({ source: { address: source.address, port: source.port }, destination: flow.local, payload });
  }
}
