export { SshPool, type SshPoolOptions, type TunnelStatus } from './ssh-pool.js';
export { SshSession, type SshSessionOptions } from './ssh-session.js';
export { generateEd25519KeyPair, type Ed25519KeyPair } from './keys.js';
