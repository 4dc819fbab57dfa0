import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Builds the shadow agent bundle the SSH tests run against, as it runs in the pod. */
export default function setup(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../../../apps/shadow/scripts/bundle.mjs', import.meta.url))], {
    stdio: 'inherit',
  });
}
