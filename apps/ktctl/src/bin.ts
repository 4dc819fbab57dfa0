import { VERSION } from './version.js';

// `--version` answers before anything heavy is even evaluated: the rest of the CLI is a lazy chunk.
const argv = process.argv.slice(2);
if (argv[0] === '--version' || argv[0] === 'version') {
  import('./version-info.js')
    .then(({ versionText }) => versionText(argv.slice(1), process.env))
    .then(
      (text) => process.stdout.write(text),
      (error: unknown) => {
        // A broken config must not hide the version: print it, then the problem.
        process.stdout.write(`${VERSION}\n`);
        process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
      },
    );
} else {
  // Node's own warnings (a dependency's deprecated API) are noise to users: show them with --debug only.
  process.removeAllListeners('warning');
  const debug = argv.includes('--debug') || argv.includes('-d');
  if (debug) process.on('warning', (w) => process.stderr.write(`debug: ${w.name}: ${w.message}\n`));
  import('./main.js')
    .then(({ main }) => main(argv))
    .then(
      (code) => {
        // The command has finished, cleanup included: a handle left open (a socket waiting out a close
        // handshake, a library's timer) must not keep the user waiting. --debug names any such handle.
        if (debug) {
          const open = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap');
          if (open.length > 0) process.stderr.write(`debug: exiting with open handles: ${open.join(', ')}\n`);
        }
        // Pipes are asynchronous on macOS and Windows: let what was printed drain before exiting.
        const drained = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));
        void Promise.all([drained(process.stdout), drained(process.stderr)]).then(() => process.exit(code));
      },
      (error: unknown) => {
        process.stderr.write(`error: ktctl crashed: ${String(error)} [KT_BUG]\n`);
        process.exitCode = 1;
      },
    );
}
