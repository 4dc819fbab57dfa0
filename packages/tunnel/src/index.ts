export * from './udp-relay/index.js';
