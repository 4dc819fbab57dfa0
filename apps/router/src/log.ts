// The router logs as every in-cluster program does (agent-contract's program.ts).
export { createLog, LOG_LEVELS, type Log, type LogLevel } from '@ktctl/agent-contract';
