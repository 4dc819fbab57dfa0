import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Builds the example outside plugin the tests load. Every test run builds it itself: nx may replay another
 * target's results from its cache without running it, so a build left behind by another target is not there.
 */
export default function setup(): void {
  execFileSync(process.execPath, ['build.mjs'], {
    cwd: fileURLToPath(new URL('../../../examples/plugin-hello/', import.meta.url)),
    stdio: 'inherit',
  });
}
