import type { Duplex } from 'node:stream';

/** An address and port; the address in text form ('10.96.0.10', or RFC 5952 text for IPv6). */
export interface Endpoint {
  address: string;
  port: number;
}

export interface UdpDatagram {
  source: Endpoint;
  destination: Endpoint;
  payload: Buffer;
}

export interface StackClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface StackOptions {
  /** Largest IP packet the device carries (the TUN MTU; may be large, e.g. 65000). */
  mtu: number;
  /** Writes one IP packet to the device. */
  output(packet: Buffer): void;
  /**
   * A SYN for a new connection arrived. The stack sends nothing yet; the owner dials the far end, then calls
   * conn.accept() (SYN-ACK goes out) or conn.refuse() (RST goes out). Retransmitted SYNs meanwhile do not
   * create a second connection.
   */
  onTcpConnection(conn: TcpConnection): void;
  /** A UDP datagram from the laptop (any destination routed to the device). Default: dropped. */
  onUdpDatagram?(datagram: UdpDatagram): void;
  /** What to do with an ICMP echo request to this destination. Default 'unreachable' (administratively prohibited). */
  icmpEcho?(destination: string): 'reply' | 'unreachable' | 'drop';
  /** Injected in tests; default real timers. */
  clock?: StackClock;
  /** Debug logging hook. */
  log?(message: string): void;
  /** Receive buffer per connection, the most the laptop may send ahead of the reader (default 4 MiB). */
  receiveBuffer?: number;
  /** Send buffer per connection: unacknowledged plus unsent bytes before write() returns false (default 4 MiB). */
  sendBuffer?: number;
  /** Initial send sequence numbers (tests); default random. */
  initialSequence?(): number;
  /** How long a SYN waits for accept() or refuse() before it is refused (default 60 s). */
  acceptTimeoutMs?: number;
  /** Connections kept at once (TIME_WAIT included); SYNs beyond it are refused (default 16384). */
  maxConnections?: number;
  /** How long a closed connection stays in TIME_WAIT (default 2 s: a private link needs no 2 MSL). */
  timeWaitMs?: number;
}

export type TcpState =
  | 'SYN_PENDING'
  | 'SYN_RECEIVED'
  | 'ESTABLISHED'
  | 'FIN_WAIT_1'
  | 'FIN_WAIT_2'
  | 'CLOSING'
  | 'TIME_WAIT'
  | 'CLOSE_WAIT'
  | 'LAST_ACK'
  | 'CLOSED';

export interface TcpConnection extends Duplex {
  /** The laptop application's side. */
  readonly source: Endpoint;
  /** The cluster address the application dialled. */
  readonly destination: Endpoint;
  /** Completes the handshake (SYN-ACK goes out). */
  accept(): void;
  /** Refuses the connection (RST goes out). */
  refuse(): void;
  /** The TCP state, for logs and tests. */
  readonly state: TcpState;
  /** Why the connection ended abnormally ('reset by peer', 'retransmission timeout', ...), if it did. */
  readonly abortReason: string | undefined;
}

export interface StackStats {
  tcpActive: number;
  tcpTotal: number;
  packetsIn: number;
  packetsOut: number;
  dropped: number;
  retransmits: number;
  /** IPv4/IPv6 datagrams rebuilt from fragments. */
  reassembled: number;
}
