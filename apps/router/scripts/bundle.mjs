// Bundles the router into one CommonJS file (it ships in the shadow image next to the agent).
// Only Node built-ins and zod go in; no native addons.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Bundles to `outfile` (default dist/router.cjs); also used by the tests and the image build. */
export async function bundle(outfile = join(appDir, 'dist/router.cjs')) {
  await build({
    entryPoints: [join(appDir, 'src/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    keepNames: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundle();
