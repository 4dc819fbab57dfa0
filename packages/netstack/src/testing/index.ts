export * from './packets.js';
export * from './wire.js';
