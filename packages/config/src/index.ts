export * from './global-flags.js';
export * from './flag-values.js';
export * from './schema.js';
export * from './store.js';
export * from './resolve.js';
export * from './paths.js';
