import { VERSION } from './version.js';

// `--version` answers before anything heavy is even evaluated: the rest of the CLI is a lazy chunk.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === 'version')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  import('./main.js')
    .then(({ main }) => main(argv))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        process.stderr.write(`error: ktctl crashed: ${String(error)} [KT_BUG]\n`);
        process.exitCode = 1;
      },
    );
}
