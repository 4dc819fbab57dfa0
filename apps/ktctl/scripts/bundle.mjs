// Bundles the ktctl app into one CommonJS file: the input of the single binary (SEA needs CommonJS) and
// what `npm exec ktctl` runs in development.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8'));

await build({
  entryPoints: [join(appDir, 'src/bin.ts')],
  outfile: join(appDir, 'dist/ktctl.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  legalComments: 'none',
  banner: { js: '#!/usr/bin/env node\nconst __ktctlImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__ktctlImportMetaUrl', __KTCTL_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
});
