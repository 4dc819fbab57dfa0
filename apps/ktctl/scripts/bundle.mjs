// Bundles the ktctl app into one CommonJS file: the input of the single binary (SEA needs CommonJS) and
// what `npm exec ktctl` runs in development.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * koffi's per-platform packages (@koromix/koffi-<os>-<arch>) hold its native addon. In the bundle each one
 * becomes a module that first looks for the addon embedded in the binary (a SEA asset, see
 * build-binary.ts), and only outside the binary requires the real package from node_modules.
 */
const embeddedKoffi = {
  name: 'embedded-koffi',
  setup(build) {
    // koffi's ES module entry loads those packages through createRequire, which no bundler can follow;
    // its CommonJS entry requires them plainly.
    build.onResolve({ filter: /^koffi$/ }, () => ({ path: createRequire(import.meta.url).resolve('koffi') }));
    build.onResolve({ filter: /^@koromix\/koffi-/ }, (args) =>
      args.namespace === 'embedded-koffi' ? { path: args.path, external: true } : { path: args.path, namespace: 'embedded-koffi' },
    );
    build.onLoad({ filter: /.*/, namespace: 'embedded-koffi' }, (args) => ({
      resolveDir: join(appDir, 'src'),
      loader: 'js',
      contents: `const { loadEmbeddedAddon } = require('./native-addon.ts');
module.exports = loadEmbeddedAddon('koffi.node') ?? require(${JSON.stringify(args.path)});`,
    }));
  },
};
const { version } = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8'));

const result = await build({
  entryPoints: [join(appDir, 'src/bin.ts')],
  outfile: join(appDir, 'dist/ktctl.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  legalComments: 'none',
  // The marker line is what the release's version check reads back out of every binary (tools/release).
  banner: {
    js: `#!/usr/bin/env node\n// ktctl-release-version: ${version}\nconst __ktctlImportMetaUrl = require("node:url").pathToFileURL(__filename).href;`,
  },
  define: { 'import.meta.url': '__ktctlImportMetaUrl', __KTCTL_VERSION__: JSON.stringify(version) },
  // ssh2's optional native crypto and cpu-features stay out: ssh2 falls back to Node's crypto, and a
  // Node-ABI-bound addon could not load inside the binary anyway.
  external: ['*.node', 'cpu-features'],
  plugins: [embeddedKoffi],
  logLevel: 'warning',
  // Which files went in: the binary build lists the licences of exactly those packages (THIRD_PARTY_LICENSES).
  metafile: true,
});
writeFileSync(join(appDir, 'dist/ktctl.meta.json'), JSON.stringify({ workingDir: process.cwd(), inputs: result.metafile.inputs }));
