import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Duplex } from 'node:stream';
import { encodeFrame, FrameDecoder, FrameKind, type DatagramFrame, type RelayFrame } from '@ktctl/agent-contract';
import type { Log } from '../log.js';

export interface RelayOptions {
  /** A flow with no datagram either way for this long is closed. */
  idleMs: number;
  /** Flows per channel at most; a new flow beyond it is refused with close-flow. */
  maxFlows?: number;
  /** Bytes of replies waiting for channel window before further replies are dropped. */
  maxBufferedBytes?: number;
}

interface Flow {
  sockets: { udp4?: Socket; udp6?: Socket };
  lastActive: number;
}

/**
 * Serves the UDP relay (see @ktctl/tunnel's README) on one channel: each flow gets its own UDP socket(s)
 * in the pod; replies go back framed with their source. Replies are dropped, as UDP would, when the laptop
 * does not drain the channel, so a flood cannot grow the agent's memory.
 */
export class UdpRelaySession {
  private readonly decoder = new FrameDecoder();
  private readonly flows = new Map<number, Flow>();
  private readonly sweeper: NodeJS.Timeout;
  private dropped = 0;
  private closed = false;

  constructor(
    private readonly channel: Duplex,
    private readonly log: Log,
    private readonly options: RelayOptions,
  ) {
    channel.on('data', (chunk: Buffer) => this.receive(chunk));
    channel.on('close', () => this.close());
    channel.on('error', () => this.close());
    this.sweeper = setInterval(() => this.sweep(), Math.max(1_000, options.idleMs / 2)).unref();
  }

  private receive(chunk: Buffer): void {
    let frames: RelayFrame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      this.log.warn(`udp relay: ${(error as Error).message}; closing the channel`);
      return void this.channel.destroy();
    }
    for (const frame of frames) {
      if (frame.kind === FrameKind.CloseFlow) this.closeFlow(frame.flow, false);
      else this.send(frame);
    }
  }

  private send(frame: DatagramFrame): void {
    const flow = this.flow(frame.flow);
    if (!flow) return;
    flow.lastActive = Date.now();
    const family = isIPv6(frame.address) ? 'udp6' : 'udp4';
    const socket = (flow.sockets[family] ??= this.openSocket(frame.flow, family));
    socket.send(
      frame.payload,
      frame.port,
      frame.address,
      (error) => error && this.log.debug(`udp relay: send to ${frame.address}:${frame.port}: ${error.message}`),
    );
  }

  private flow(id: number): Flow | undefined {
    const existing = this.flows.get(id);
    if (existing) return existing;
    if (this.flows.size >= (this.options.maxFlows ?? 1024)) {
      this.write({ kind: FrameKind.CloseFlow, flow: id });
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
      if (flow) flow.lastActive = Date.now();
      this.write({ kind: FrameKind.Datagram, flow: flowId, address: source.address, port: source.port, payload });
    });
    socket.on('error', (error) => {
      this.log.debug(`udp relay: flow ${flowId}: ${error.message}`);
      this.closeFlow(flowId, true);
    });
    return socket;
  }

  private write(frame: RelayFrame): void {
    if (this.closed) return;
    if (this.channel.writableLength > (this.options.maxBufferedBytes ?? 1 << 20)) {
      if (++this.dropped % 1000 === 1) this.log.debug(`udp relay: laptop not reading; ${this.dropped} datagrams dropped so far`);
      return;
    }
    this.channel.write(encodeFrame(frame));
  }

  private closeFlow(id: number, tellLaptop: boolean): void {
    const flow = this.flows.get(id);
    if (!flow) return;
    this.flows.delete(id);
    for (const socket of Object.values(flow.sockets)) socket.close();
    if (tellLaptop) this.write({ kind: FrameKind.CloseFlow, flow: id });
  }

  private sweep(): void {
    const cutoff = Date.now() - this.options.idleMs;
    for (const [id, flow] of this.flows) if (flow.lastActive < cutoff) this.closeFlow(id, true);
  }

  /** Releases every socket; called when the channel goes away. */
  close(): void {
    if (this.closed) return;
    for (const id of [...this.flows.keys()]) this.closeFlow(id, false);
    this.closed = true;
    clearInterval(this.sweeper);
  }
}
