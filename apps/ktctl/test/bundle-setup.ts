import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The CLI tests run the bundled ktctl as a user would; build it once per run. */
export default function setup(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/bundle.mjs', import.meta.url))], { stdio: 'inherit' });
  execFileSync(process.execPath, ['build.mjs'], { cwd: fileURLToPath(new URL('../../../examples/plugin-hello/', import.meta.url)), stdio: 'inherit' });
}
