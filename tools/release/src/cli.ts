// Writes ktctl.rb (Homebrew) and ktctl.json (Scoop) for a release from its SHA256SUMS.
//   npm run manifests -w tools/release -- <SHA256SUMS> <version> <base-url> <out-dir>
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { homebrewFormula, parseSha256Sums, scoopManifest } from './manifests.js';

const [sumsFile, version, baseUrl, outDir] = process.argv.slice(2);
if (!sumsFile || !version || !baseUrl || !outDir) {
  console.error('usage: manifests <SHA256SUMS> <version> <base-url> <out-dir>');
  process.exit(2);
}
const release = { version: version.replace(/^v/, ''), baseUrl, artifacts: parseSha256Sums(readFileSync(sumsFile, 'utf8')) };
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'ktctl.rb'), homebrewFormula(release));
writeFileSync(join(outDir, 'ktctl.json'), scoopManifest(release));
console.log(`wrote ${join(outDir, 'ktctl.rb')} and ${join(outDir, 'ktctl.json')}`);
