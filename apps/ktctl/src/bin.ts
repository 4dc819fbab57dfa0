import { VERSION } from './version.js';

// `--version` answers before anything heavy is even evaluated: the rest of the CLI is a lazy chunk.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === 'version')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  // Node's own warnings (a dependency's deprecated API) are noise to users: show them with --debug only.
  process.removeAllListeners('warning');
  if (argv.includes('--debug') || argv.includes('-d')) process.on('warning', (w) => process.stderr.write(`debug: ${w.name}: ${w.message}\n`));
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
