import { once } from 'node:events';
import type { Logger, Progress } from './logger.js';

/** How a long-running command is ended and taken apart (connect, exchange, preview, forward). */
export interface UntilStoppedOptions {
  /** Said once the command runs (info lines). */
  readonly ready: readonly string[];
  /** How to end it, e.g. "Press Ctrl-C to stop"; said after the ready lines unless `run` is given. */
  readonly stopHint: string;
  /** Instead of waiting for the stop signal: run this (e.g. a command through the proxy); its result is the exit code. */
  readonly run?: () => Promise<number>;
  /** Resolves when the command cannot go on (its tunnel gave up): it ends as on Ctrl-C, with exit code 1. */
  readonly failed?: Promise<unknown>;
  /** Said before closing, e.g. "Disconnecting…". */
  readonly closing?: string;
  /** Undoes everything; returns the steps that failed. */
  readonly close: () => Promise<string[]>;
  /** What retries a failed undo step, e.g. `"ktctl clean"`. */
  readonly retry?: string;
  /** Said once closed. */
  readonly closed?: string;
}

/**
 * The tail every command that runs until stopped shares: says it is ready, waits for Ctrl-C (the signal)
 * or a failure, then closes and warns each undo step that failed with what will retry it.
 */
export async function runUntilStopped(
  deps: { readonly logger: Logger; readonly signal: AbortSignal; readonly progress?: Progress },
  options: UntilStoppedOptions,
): Promise<number> {
  const { logger, signal } = deps;
  let failed = false;
  try {
    deps.progress?.ready?.();
    for (const line of options.ready) logger.info(line);
    if (options.run) return await options.run();
    logger.info(options.stopHint);
    const gaveUp = options.failed?.then(() => void (failed = true));
    if (!signal.aborted) await Promise.race([once(signal, 'abort'), ...(gaveUp ? [gaveUp] : [])]);
  } finally {
    if (options.closing) logger.info(options.closing);
    for (const failure of await options.close()) logger.warn(`cleanup: ${failure}${options.retry ? `; ${options.retry} will retry` : ''}`);
    if (options.closed) logger.info(options.closed);
  }
  return failed ? 1 : 0;
}
