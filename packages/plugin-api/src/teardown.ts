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
