// Drives the progress renderer the way a command does (a step through its stages, a log line in between,
// ready), writing to this process's standard error: a terminal under the pty test, a pipe otherwise.
import { createLogger, createProgress, progressReporter, runUntilStopped, settleLiveProgress } from '../src/index.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const logger = createLogger('info', process.stderr);
const progress = createProgress(logger);
const report = progressReporter(progress);
report('shadow pod', 'on node n1');
await pause(250);
report('shadow pod', 'pulling ghcr.io/ktctl/shadow:1');
await pause(350);
logger.warn('a log line in between');
report('shadow pod', 'ready');
await pause(100);
report('waiting for replicas', 'web 0/1');
await pause(100);
if (process.argv[2] === 'fail') {
  settleLiveProgress();
  process.stderr.write('error: it broke [KT_TEST]\n');
} else {
  await runUntilStopped(
    { logger, signal: AbortSignal.abort(), progress },
    { ready: ['Connected'], stopHint: 'Press Ctrl-C', close: async () => [] },
  );
  // After ready: a reconnect is one settled line, and nothing keeps the process (or a spinner) going.
  report('shadow pod', 'reconnecting…');
}
