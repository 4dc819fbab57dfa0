/**
 * The mux wire format (README "Wire format" says the same in prose): every frame is a 10-byte header —
 * u8 type, u8 flags, u32 stream id, u32 payload length, big endian — then the payload.
 */

/** Bytes in a frame header. */
export const HEADER_BYTES = 10;
/** The protocol version carried in HELLO and AUTH; a peer speaking another one is refused. */
export const MUX_VERSION = 1;
/** The first bytes of HELLO and AUTH payloads, so a stray SSH client or HTTP probe fails at once. */
export const MAGIC = Buffer.from('KTMX');
/** Largest DATA payload a peer may send: the decoder refuses longer length fields before allocating. */
export const MAX_DATA_PAYLOAD = 1 << 20;
/** Largest payload of any other frame (a datagram with its address, an error text, a host name). */
export const MAX_CONTROL_PAYLOAD = 70_000;

/** Frame types. */
export const FrameType = {
  /** s→c, stream 0: MAGIC, u8 version, 32-byte challenge. */
  Hello: 1,
  /** c→s, stream 0: MAGIC, u8 version, 32-byte nonce, 32-byte Ed25519 public key, 64-byte signature. */
  Auth: 2,
  /** s→c, stream 0: empty; the session is open. */
  AuthOk: 3,
  /** either, stream 0: u8 code, UTF-8 reason; the sender closes the session after it. */
  GoAway: 4,
  /** either, stream 0: 8 opaque bytes; flag ACK marks the answer (pong), which echoes them. */
  Ping: 5,
  /** c→s: u32 initial window, u16 port, UTF-8 host; the server dials host:port. */
  Open: 6,
  /** s→c: u32 initial window, u16 listening port, u16 origin port, UTF-8 origin address (a reverse forward). */
  Accept: 7,
  /** answer to Open/Accept: u8 code (0 = ok), u32 initial window, UTF-8 reason. */
  OpenReply: 8,
  /** either: stream bytes; flag FIN ends the sender's direction after them. */
  Data: 9,
  /** either: u32 window increment. */
  Window: 10,
  /** either: u8 code, UTF-8 reason; the stream is gone both ways. */
  Reset: 11,
  /** c→s: u32 request id, u16 port (0 = any); the server listens on all interfaces. */
  Listen: 12,
  /** s→c: u32 request id, u8 code, u16 bound port, UTF-8 reason. */
  ListenReply: 13,
  /** c→s: u16 port; stop listening. */
  Unlisten: 14,
  /** either, stream id = flow id: u8 family (4|6), address (4|16 bytes), u16 port, payload. */
  Datagram: 15,
  /** either, stream id = flow id: empty; the flow is forgotten. */
  FlowClose: 16,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** Flag bits. */
export const Flag = { Fin: 0x01, Ack: 0x01 } as const;

/** Error codes of OpenReply, ListenReply, Reset and GoAway. */
export const ErrorCode = {
  Ok: 0,
  Refused: 1,
  Unreachable: 2,
  Timeout: 3,
  AddressInUse: 4,
  Denied: 5,
  FlowControl: 6,
  Cancel: 7,
  Protocol: 8,
  Internal: 9,
  Auth: 10,
  Keepalive: 11,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const codeNames = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code, name]));

/** The name of a code for messages (`Refused`), or `code 42` for one this version does not know. */
export function codeName(code: number): string {
  return codeNames.get(code) ?? `code ${code}`;
}

/** The SOCKS5 reply (RFC 1928 §6) for an open failure, so tun2socks and the proxy answer precisely. */
export function socksReplyFor(code: number): number {
  if (code === ErrorCode.Refused) return 0x05;
  if (code === ErrorCode.Unreachable) return 0x04;
  if (code === ErrorCode.Timeout) return 0x06;
  if (code === ErrorCode.Denied) return 0x02;
  return 0x01;
}

/** One decoded frame; `payload` may share memory with the bytes that came in. */
export interface Frame {
  type: number;
  flags: number;
  stream: number;
  payload: Buffer;
}

/** The header of a frame, as its own small buffer (the payload is written after it, uncopied). */
export function encodeHeader(type: number, flags: number, stream: number, length: number): Buffer {
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt8(type, 0);
  header.writeUInt8(flags, 1);
  header.writeUInt32BE(stream >>> 0, 2);
  header.writeUInt32BE(length, 6);
  return header;
}

/** The most payload bytes a frame of `type` may carry; undefined for an unknown type. */
export function maxPayload(type: number): number | undefined {
  if (type === FrameType.Data) return MAX_DATA_PAYLOAD;
  return type >= FrameType.Hello && type <= FrameType.FlowClose ? MAX_CONTROL_PAYLOAD : undefined;
}

/** Raised for bytes that do not follow this format; the session ends with a GoAway(Protocol). */
export class MuxProtocolError extends Error {
  override name = 'MuxProtocolError';
}
