// The progress renderer through a real pseudo-terminal (util-linux `script`), and through a pipe.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const driver = fileURLToPath(new URL('../test/progress-driver.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));

function onTerminal(env: NodeJS.ProcessEnv, arg = ''): string {
  // script gives the driver a pty as stdin/stdout/stderr and copies what it writes to our stdout.
  const run = spawnSync('script', ['-qec', `${tsx} ${driver} ${arg}`, '/dev/null'], {
    env: { PATH: process.env.PATH, TERM: 'xterm', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout.replace(/\r\n/g, '\n');
}

/** What the terminal shows at the end: each \r-cleared line replaced by what followed it. */
function screen(raw: string): string[] {
  return raw
    .split('\n')
    .map((line) => line.split('\r\x1b[2K').pop()!)
    .filter(Boolean);
}

const strip = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

// Each case starts tsx (seconds on a busy machine): a generous bound instead of vitest's 5 s.
describe('progress on a terminal', { timeout: 90_000 }, () => {
  it('one live line per stage with its elapsed time, settled with ✓, log lines above, ending with ready in', () => {
    const raw = onTerminal({});
    const lines = screen(raw).map(strip);
    expect(lines).toEqual([
      expect.stringMatching(/^✓ shadow pod: on node n1 \d+\.\d s$/),
      // A log line goes above the live line, which stays live below it.
      'warn: a log line in between',
      expect.stringMatching(/^✓ shadow pod: pulling ghcr\.io\/ktctl\/shadow:1 \d+\.\d s$/),
      expect.stringMatching(/^✓ shadow pod: ready \d+\.\d s$/),
      expect.stringMatching(/^✓ waiting for replicas: web 0\/1 \d+\.\d s$/),
      expect.stringMatching(/^✓ ready in [0-9.]+ s$/),
      'Connected',
      'Press Ctrl-C',
      '• shadow pod: reconnecting…',
    ]);
    // The live line was redrawn with a spinner while the stage lasted, in colour.
    expect(raw).toMatch(/\r\x1b\[2K\x1b\[36m[⠀-⣿]\x1b\[0m shadow pod: pulling/);
    expect(raw).toContain('\x1b[32m✓\x1b[0m');
    expect(raw).toContain('\x1b[33mwarn: \x1b[0m');
  });

  it('NO_COLOR: the same lines without a colour escape', () => {
    const raw = onTerminal({ NO_COLOR: '1' });
    expect(raw).not.toMatch(/\x1b\[[0-9;]*m/);
    expect(screen(raw)).toContainEqual(expect.stringMatching(/^✓ ready in [0-9.]+ s$/));
  });

  it('a failure settles the live line with ✗ before the error, on a line of its own', () => {
    const lines = screen(onTerminal({ NO_COLOR: '1' }, 'fail'));
    expect(lines.slice(-2)).toEqual([expect.stringMatching(/^✗ waiting for replicas: web 0\/1 \d+\.\d s$/), 'error: it broke [KT_TEST]']);
  });

  it('not a terminal: the plain lines, as before', () => {
    const run = spawnSync(tsx, [driver], { env: { PATH: process.env.PATH }, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe(
      [
        'shadow pod: on node n1',
        'shadow pod: pulling ghcr.io/ktctl/shadow:1',
        'warn: a log line in between',
        'shadow pod: ready',
        'waiting for replicas: web 0/1',
        'Connected',
        'Press Ctrl-C',
        'shadow pod: reconnecting…',
        '',
      ].join('\n'),
    );
  });
});
