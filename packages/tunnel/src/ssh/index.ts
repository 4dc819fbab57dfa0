export { SshPool, type SshPoolOptions } from './ssh-pool.js';
export { SshSession, type SshSessionOptions } from './ssh-session.js';
export { generateSshKeyPair, type SshKeyPair } from './keys.js';
