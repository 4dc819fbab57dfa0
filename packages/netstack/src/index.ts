export { NetStack, realClock } from './netstack.js';
export type { Endpoint, StackClock, StackOptions, StackStats, TcpConnection, TcpState, UdpDatagram } from './types.js';
