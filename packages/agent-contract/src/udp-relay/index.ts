export { UDP_RELAY_SUBSYSTEM, FrameKind, FrameError, MAX_DATAGRAM_PAYLOAD, MAX_FRAME_BODY, encodeFrame, decodeFrameBody } from './frame.js';
export type { RelayFrame, DatagramFrame, CloseFlowFrame } from './frame.js';
export { FrameDecoder } from './decoder.js';
