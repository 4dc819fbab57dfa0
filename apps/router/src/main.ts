/**
 * The mesh router's entry point (ROUTER_COMMAND in the shadow image): read the environment, start, stop on
 * SIGTERM/SIGINT. Exit codes: 0 after a signal, 1 when it cannot start, 2 for a bad environment.
 */
import { runProgram } from '@ktctl/agent-contract';
import { ConfigError, loadConfig } from './config.js';
import { startRouter } from './router.js';

void runProgram({
  loadConfig,
  isConfigError: (error) => error instanceof ConfigError,
  start: startRouter,
  ready: (router, config) => `ports ${config.ports.join(', ')}, control port ${router.controlPort}`,
  open: (router) => `${router.connections()} connections open`,
});
