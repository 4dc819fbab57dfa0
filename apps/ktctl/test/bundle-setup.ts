import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import buildExamplePlugin from './example-plugin-setup.js';

/** The CLI tests run the bundled ktctl as a user would; build it, and the example plugin, once per run. */
export default function setup(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/bundle.mjs', import.meta.url))], { stdio: 'inherit' });
  buildExamplePlugin();
}
