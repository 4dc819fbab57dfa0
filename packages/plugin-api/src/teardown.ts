import type { Logger } from './logger.js';

/**
 * Undo steps, run last-in first-out. Each step that sets something up registers its undo right after it
 * succeeds, so a failure at any point takes down exactly what exists, and every undo runs even when an
 * earlier one fails.
 */
export class Teardown {
  private readonly steps: { name: string; undo: () => Promise<void> | void }[] = [];
  private running: Promise<string[]> | undefined;

  /** Registers an undo step. */
  defer(name: string, undo: () => Promise<void> | void): void {
    this.steps.push({ name, undo });
  }

  /** Runs every step once (later calls wait for the first); returns the failures, one line each. */
  run(logger?: Logger): Promise<string[]> {
    this.running ??= this.runAll(logger);
    return this.running;
  }

  private async runAll(logger?: Logger): Promise<string[]> {
    const failures: string[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      try {
        logger?.debug(`undo: ${step.name}`);
        await step.undo();
      } catch (error) {
        failures.push(`${step.name}: ${(error as Error).message}`);
      }
    }
    return failures;
  }
}

/** What a started service hands back: its own fields, and `close()`, which runs its teardown once. */
export type Closable<T> = T & { close(): Promise<string[]> };

/**
 * The start of a command that creates things: runs `setup` with a fresh Teardown (each step registers its
 * undo there). When setup throws, `beforeUndo` runs, then the teardown, each failure is warned, and the
 * error is rethrown; otherwise setup's result comes back with a `close()` that runs the teardown.
 */
export async function startWithTeardown<T extends object>(
  logger: Logger,
  setup: (teardown: Teardown) => Promise<T>,
  options: { beforeUndo?: () => void } = {},
): Promise<Closable<T>> {
  const teardown = new Teardown();
  try {
    const value = await setup(teardown);
    return { ...value, close: () => teardown.run(logger) };
  } catch (error) {
    options.beforeUndo?.();
    for (const failure of await teardown.run(logger)) logger.warn(`while undoing a failed start: ${failure}`);
    throw error;
  }
}
