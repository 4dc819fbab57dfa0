/**
 * @ktctl/mux — the light tunnel protocol between the laptop and the shadow agent: one authenticated
 * session over one byte stream (the port-forward), carrying flow-controlled TCP streams both ways and UDP
 * datagrams. Wire format in README.md.
 */
export { MuxClient, type ForwardedStream, type MuxClientOptions } from './client.js';
export { MuxServer, ServerSession, type MuxServerHandlers, type MuxServerOptions } from './server.js';
export { MuxSession, MuxSessionError, type MuxSessionOptions } from './session.js';
export { MuxStream, MuxStreamError } from './stream.js';
export { dialTcp, listenTcp, join, HandlerError, codeForSocketError, type Listener } from './handlers.js';
export { UdpRelay, type DatagramPeer, type DatagramService, type UdpRelayOptions } from './udp-relay.js';
export { parseAuthorizedKeys, loadAuthorizedKeys, parsePrivateKey, ed25519PublicKey, rawPublicKey } from './keys.js';
export { AUTH_CONTEXT } from './auth.js';
export type { Endpoint } from './payloads.js';
export {
  ErrorCode,
  FrameType,
  Flag,
  MUX_VERSION,
  MAX_DATA_PAYLOAD,
  MAX_CONTROL_PAYLOAD,
  HEADER_BYTES,
  MuxProtocolError,
  codeName,
  socksReplyFor,
} from './wire.js';
export { FrameDecoder } from './decoder.js';
export { FrameWriter } from './writer.js';

/** The agent's mux port (loopback only in the pod; reached through the port-forward). */
export const MUX_PORT = 2222;
