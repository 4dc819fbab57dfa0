export * from './udp-relay/index.js';
export * from './proxy/index.js';
export * from './session/index.js';
export * from './mux/index.js';
export * from './ssh/index.js';
export * from './redirect/redirect-listener.js';
