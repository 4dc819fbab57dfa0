// npm run bench:reverse -w tools/bench: the reverse-path benchmark (src/reverse.ts) on its own entry, so the
// shared benchmark CLI stays as it is.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runReverse } from './reverse.js';

await runReverse(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'));
