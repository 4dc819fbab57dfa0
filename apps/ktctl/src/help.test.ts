// Help that reads well, missing positionals in ktctl's words, debug stacks from every place debug is set,
// and connect naming the cluster it uses (before it finds the API server refusing).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freshKtHome, runWith } from '../test/run-ktctl.js';

const bundle = fileURLToPath(new URL('../dist/ktctl.cjs', import.meta.url));

function ktctl(args: string[], env: NodeJS.ProcessEnv = {}) {
  return runWith([process.execPath, bundle], args, { PATH: process.env.PATH, KT_HOME: env.KT_HOME ?? freshKtHome(), ...env });
}

describe('help', () => {
  it("lists a command's own flags first, the global ones under their own heading, each flag once", () => {
    const help = ktctl(['exchange', '--help']).stdout;
    const own = help.indexOf('\nFlags:\n');
    const global = help.indexOf('\nGlobal flags:\n');
    expect(own).toBeGreaterThan(0);
    expect(global).toBeGreaterThan(own);
    for (const flag of ['--mode', '--expose', '--recoverWaitTime']) {
      expect(help.indexOf(flag)).toBeGreaterThan(own);
      expect(help.indexOf(flag)).toBeLessThan(global);
    }
    for (const flag of ['--namespace', '--kubeconfig', '--help']) expect(help.indexOf(flag)).toBeGreaterThan(global);
    // One entry per flag, its kebab spelling on the same line as its alias.
    expect(help.match(/--imageRegistry\b/g)).toHaveLength(1);
    expect(help.match(/--image-registry\b/g)).toHaveLength(1);
    expect(help).toMatch(/--recoverWaitTime, --recover-wait-time/);
    expect(help.match(/^ +-n, --namespace/gm)).toHaveLength(1);
  });

  it('says which positional is missing, in one line with its code', () => {
    expect(ktctl(['exchange'])).toMatchObject({
      code: 2,
      stderr:
        'error: "ktctl exchange" needs <target>: The Service: <svc>, svc/<name>, service/<name>, or deployment/<name> / pod/<name> (the Service selecting it). Run "ktctl exchange --help". [KT_MISSING_ARGUMENT]\n',
    });
    expect(ktctl(['config', 'set'])).toMatchObject({
      code: 2,
      stderr:
        'error: "ktctl config set" needs <key>: <section>.<flag>, or <section>.<flag>=<value>. Run "ktctl config set --help". [KT_MISSING_ARGUMENT]\n',
    });
  });

  it('shows the stack with --debug, KT_DEBUG=1 or global.debug in the config, and not otherwise', () => {
    const stack = /^UsageError: "ktctl exchange" needs <target>.*\n +at /m;
    expect(ktctl(['exchange']).stderr).not.toMatch(stack);
    expect(ktctl(['exchange', '--debug']).stderr).toMatch(stack);
    expect(ktctl(['exchange'], { KT_DEBUG: '1' }).stderr).toMatch(stack);
    const home = freshKtHome();
    expect(ktctl(['config', 'set', 'global.debug', 'true'], { KT_HOME: home }).code).toBe(0);
    expect(ktctl(['exchange'], { KT_HOME: home }).stderr).toMatch(stack);
    // KT_DEBUG=0 wins over the config, as it does for the option itself.
    expect(ktctl(['exchange'], { KT_HOME: home, KT_DEBUG: '0' }).stderr).not.toMatch(stack);
  });
});

describe('connect', () => {
  it('says which context, API server and namespace it uses; on a terminal the error has a line of its own', () => {
    const home = freshKtHome();
    const kubeconfig = join(home, 'refusing.kubeconfig');
    writeFileSync(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: refusing, context: {cluster: c, user: u, namespace: h12b-ns}}]\ncurrent-context: refusing\n',
    );
    const run = ktctl(['connect', '--disableTunDevice', '-c', kubeconfig], { KT_HOME: home });
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toBe('Using context refusing, API server https://127.0.0.1:9, namespace h12b-ns');
    expect(run.stderr).toMatch(/\[KT_CLUSTER_UNREACHABLE\]\n$/);
    const tty = spawnSync('script', ['-qec', `${process.execPath} ${bundle} connect --disableTunDevice -c ${kubeconfig}`, '/dev/null'], {
      env: { PATH: process.env.PATH, KT_HOME: home, TERM: 'xterm' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(tty.stdout.split('\r\n')).toEqual([
      'Using context refusing, API server https://127.0.0.1:9, namespace h12b-ns',
      expect.stringMatching(/^error: Cannot reach the cluster .*\[KT_CLUSTER_UNREACHABLE\]$/),
      '',
    ]);
  });
});
