// Bundles the agent into one CommonJS file, the only JavaScript in its image. The ssh2 native crypto
// binding and cpu-features stay out: ssh2 falls back to Node's own crypto, and the image needs no compiler
// and no Node-ABI-specific addon.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Bundles to `outfile` (default dist/shadow.cjs); also used by the tests and the image build. */
export async function bundle(outfile = join(appDir, 'dist/shadow.cjs')) {
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
    external: ['*.node', 'cpu-features'],
    banner: { js: 'const __ktImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
    define: { 'import.meta.url': '__ktImportMetaUrl' },
    logLevel: 'warning',
  });
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundle();
