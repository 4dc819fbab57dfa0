// The published @ktctl/sdk: one ES module bundling the services it calls (private workspace packages) and
// their npm dependencies, so installing it needs only @ktctl/plugin-api beside it; declarations from tsc (the
// public types are the package's own, see src/forward.ts and src/exchange.ts).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: ['src/index.ts'],
  outfile: 'dist/index.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Bundled CommonJS dependencies call require() and use __dirname: give the module both.
  banner: {
    js: [
      "import { createRequire as __ktctlCreateRequire } from 'node:module';",
      "import { dirname as __ktctlDirname } from 'node:path';",
      "import { fileURLToPath as __ktctlFileURLToPath } from 'node:url';",
      'const require = __ktctlCreateRequire(import.meta.url);',
      'const __filename = __ktctlFileURLToPath(import.meta.url);',
      'const __dirname = __ktctlDirname(__filename);',
    ].join(' '),
  },
  // The package's version file is read at run time next to dist/ (see VERSION).
  external: ['@ktctl/plugin-api', '*.node', 'cpu-features'],
  logLevel: 'warning',
});
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
