// Builds the plugin into one CommonJS file. @ktctl/plugin-api stays external: ktctl hands the plugin its
// own copy at load time (a plugin may also bundle it; errors are recognised either way).
import { build } from 'esbuild';

await build({
  entryPoints: ['src/index.ts'],
  outfile: 'dist/index.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['@ktctl/plugin-api'],
  logLevel: 'warning',
});
