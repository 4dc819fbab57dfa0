export { createDarwinPlatform, darwinUndoers, type DarwinPlatformOptions } from './platform.js';
export { type Libc, systemLibc } from './libc.js';
