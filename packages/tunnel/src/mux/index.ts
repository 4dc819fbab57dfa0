export { MuxPool, type MuxPoolOptions } from './mux-pool.js';
export { MuxTunnelSession, type MuxTunnelSessionOptions, type DatagramChannel } from './mux-session.js';
