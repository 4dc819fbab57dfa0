// npm run bench -- <name>: runs one benchmark, prints its table and writes .cache/bench/<name>.json.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runConnect } from './connect.js';
import { runMesh } from './mesh.js';
import { runReverse } from './reverse.js';
import { runStartup } from './startup.js';

const repoDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const benchmarks: Record<string, (repo: string) => void | Promise<void>> = {
  startup: runStartup,
  connect: runConnect,
  reverse: runReverse,
  mesh: runMesh,
};
const name = process.argv[2];
const bench = name ? benchmarks[name] : undefined;
if (!bench) {
  console.error(`usage: npm run bench -- <${Object.keys(benchmarks).join('|')}>`);
  process.exit(2);
}
await bench(repoDir);
