export * from './errors.js';
export * from './command.js';
export * from './logger.js';
export * from './services.js';
export * from './teardown.js';
export * from './until-stopped.js';
export * from './output.js';
