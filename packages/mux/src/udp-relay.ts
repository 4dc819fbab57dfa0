import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Endpoint } from './payloads.js';

/** What the relay needs from its session. */
export interface DatagramPeer {
  /** Sends a reply of `flow` from `source`; false when dropped. */
  sendDatagram(flow: number, source: Endpoint, payload: Buffer): boolean;
  closeFlow(flow: number): void;
}

/** Tuning of the relay. */
export interface UdpRelayOptions {
  /** A flow with no datagram either way for this long is closed (default 60 s). */
  idleMs?: number;
  /** Flows per session at most; a new one beyond it is refused with FlowClose (default 1024). */
  maxFlows?: number;
}

/** The server side of a session's datagrams; the default makes real UDP sockets. */
export interface DatagramService {
  /** A datagram of `flow` for `destination`, from the laptop. */
  send(flow: number, destination: Endpoint, payload: Buffer): void;
  /** The laptop forgot `flow`. */
  closeFlow(flow: number): void;
  /** The session ended. */
  close(): void;
}

interface Flow {
  sockets: { udp4?: Socket; udp6?: Socket };
  lastActive: number;
}

/**
 * The UDP relay with today's semantics (apps/shadow/src/udp-relay): each flow the laptop names gets its
 * own UDP socket(s) in the pod, so replies come back on the same flow with their source; the flow table
 * is bounded and idle flows are swept. Replies are dropped, as UDP may, when the session is congested.
 */
export class UdpRelay implements DatagramService {
  private readonly flows = new Map<number, Flow>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly peer: DatagramPeer,
    private readonly options: UdpRelayOptions = {},
  ) {
    const idle = options.idleMs ?? 60_000;
    this.sweeper = setInterval(() => this.sweep(idle), Math.max(250, idle / 2)).unref();
  }

  /** Flows open now. */
  get size(): number {
    return this.flows.size;
  }

  send(flowId: number, destination: Endpoint, payload: Buffer): void {
    const flow = this.flow(flowId);
    if (!flow) return;
    flow.lastActive = Date.now();
    const family = isIPv6(destination.address) ? 'udp6' : 'udp4';
    const socket = (flow.sockets[family] ??= this.openSocket(flowId, family));
    socket.send(payload, destination.port, destination.address, () => undefined);
  }

  closeFlow(flowId: number): void {
    this.drop(flowId, false);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    for (const id of [...this.flows.keys()]) this.drop(id, false);
  }

  private flow(id: number): Flow | undefined {
    const existing = this.flows.get(id);
    if (existing || this.closed) return existing;
    if (this.flows.size >= (this.options.maxFlows ?? 1024)) {
      this.peer.closeFlow(id);
      return undefined;
    }
    const flow: Flow = { sockets: {}, lastActive: Date.now() };
    this.flows.set(id, flow);
    return flow;
  }

  private openSocket(flowId: number, family: 'udp4' | 'udp6'): Socket {
    const socket = createSocket(family);
    socket.on('message', (payload, source) => {
      const flow = this.flows.get(flowId);
      if (!flow) return;
      flow.lastActive = Date.now();
      this.peer.sendDatagram(flowId, { address: source.address, port: source.port }, payload);
    });
    socket.on('error', () => this.drop(flowId, true));
    return socket;
  }

  private drop(id: number, tellPeer: boolean): void {
    const flow = this.flows.get(id);
    if (!flow) return;
    this.flows.delete(id);
    for (const socket of Object.values(flow.sockets)) socket.close();
    if (tellPeer) this.peer.closeFlow(id);
  }

  private sweep(idleMs: number): void {
    const cutoff = Date.now() - idleMs;
    for (const [id, flow] of this.flows) if (flow.lastActive < cutoff) this.drop(id, true);
  }
}
