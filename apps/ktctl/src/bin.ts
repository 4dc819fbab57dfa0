import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ktctl crashed: ${String(error)} [KT_BUG]\n`);
    process.exitCode = 1;
  },
);
