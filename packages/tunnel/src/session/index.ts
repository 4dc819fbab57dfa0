export { SessionPool, type SessionPoolOptions, type TunnelStatus } from './session-pool.js';
export { sessionLost, type TunnelSession } from './tunnel-session.js';
