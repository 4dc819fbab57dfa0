// Completion against the local cluster: namespaces and Service names through the real bash script and
// through kubectl's own plugin completion (kubectl_complete-kt), run in the laptop namespace; and the
// progress of a real connect through a pseudo-terminal (script(1)).
import { symlinkSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useClusterEnv } from '../../harness/index.js';
import { KTCTL, ktObjects, ktctlEnv } from '../connect/ktctl.js';

const env = useClusterEnv(import.meta.filename);
const { cluster, laptop } = env;
let ns: string;
const bin = mkdtempSync(join(tmpdir(), 'h12b-completion-'));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

beforeAll(async () => {
  ns = env.namespace.name;
  await env.namespace.grantRestricted();
  for (const name of ['h12b-web', 'h12b-api']) {
    await cluster.kubectlOk(['-n', ns, 'create', 'service', 'clusterip', name, '--tcp=80:8080']);
  }
  for (const name of ['ktctl', 'kubectl-kt', 'kubectl_complete-kt']) symlinkSync(KTCTL, join(bin, name));
});

/** Runs a bash snippet in the laptop namespace with the completion binaries first on PATH. */
async function bash(script: string, who: 'admin' | 'restricted' = 'admin'): Promise<string> {
  const path = `${bin}:${process.env.PATH}`;
  const r = await laptop.run('env', [`PATH=${path}`, `KUBECONFIG=${cluster.kubeconfig(who)}`, 'bash', '--norc', '-c', script], {
    timeoutMs: 60_000,
  });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** COMPREPLY of the bash script's function for a line typed up to its end. */
async function complete(line: string, who: 'admin' | 'restricted' = 'admin'): Promise<string[]> {
  const out = await bash(
    `source <(ktctl completion bash)
COMP_LINE=${JSON.stringify(line)}; COMP_POINT=\${#COMP_LINE}
read -ra COMP_WORDS <<< "$COMP_LINE"; [[ "$COMP_LINE" =~ [[:space:]]$ ]] && COMP_WORDS+=("")
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
_ktctl_complete
printf '%s\\n' "\${COMPREPLY[@]}"`,
    who,
  );
  return out.split('\n').filter(Boolean);
}

describe('completion from the cluster', () => {
  it('namespaces after -n, Service names for exchange/mesh/forward/recover in the typed namespace', async () => {
    expect(await complete(`ktctl connect -n ${ns.slice(0, -2)}`)).toEqual([ns]);
    expect(await complete(`ktctl exchange -n ${ns} h12b-`)).toEqual(['h12b-api', 'h12b-web']);
    expect(await complete(`ktctl forward --namespace=${ns} h12b-w`)).toEqual(['h12b-web']);
    // Without -n: the namespace set in ~/.kt/config.
    const { env: vars } = ktctlEnv(cluster);
    const set = await laptop.run('env', [`KT_HOME=${vars.KT_HOME}`, KTCTL, 'config', 'set', 'global.namespace', ns]);
    expect(set.code, set.stderr).toBe(0);
    expect(await bash(`KT_HOME=${vars.KT_HOME} ktctl __complete exchange h12b-`)).toBe('h12b-api\nh12b-web\n:4\n');
    // preview names a new Service: nothing to offer.
    expect(await complete(`ktctl preview -n ${ns} h12b-`)).toEqual([]);
  });

  it('restricted RBAC: Services of its namespace still complete, namespaces (cluster-wide) quietly do not', async () => {
    expect(await complete(`ktctl exchange -n ${ns} h12b-`, 'restricted')).toEqual(['h12b-api', 'h12b-web']);
    expect(await complete(`ktctl connect -n ${ns.slice(0, -2)}`, 'restricted')).toEqual([]);
  });

  it('kubectl kt <TAB>: kubectl runs kubectl_complete-kt and relays its Service names', async () => {
    const out = await bash(`kubectl __complete kt exchange -n ${ns} h12b- 2>/dev/null`);
    expect(out).toBe('h12b-api\nh12b-web\n:4\n');
  });
});

describe('progress on a terminal', () => {
  it('connect through a pty: context line, live step lines with elapsed time, ready in, the plain lines after', async () => {
    const { args, env: vars } = ktctlEnv(cluster);
    const command = [KTCTL, 'connect', ...args, '-n', ns, '--disableTunDevice', '--proxyPort', '2391', '--', 'true'].join(' ');
    const r = await laptop.run(
      'env',
      [...Object.entries(vars).map(([k, v]) => `${k}=${v}`), 'TERM=xterm', 'script', '-qec', command, '/dev/null'],
      {
        timeoutMs: 180_000,
      },
    );
    expect(r.code, r.stdout).toBe(0);
    const raw = r.stdout.replace(/\r\n/g, '\n');
    const screen = raw
      .split('\n')
      .map((l) =>
        l
          .split('\r\x1b[2K')
          .pop()!
          .replace(/\x1b\[[0-9;]*m/g, ''),
      )
      .filter(Boolean);
    expect(screen[0]).toMatch(new RegExp(`^Using context \\S+, API server https://\\S+, namespace ${ns}$`));
    const steps = screen.filter((l) => l.startsWith('✓ shadow pod: '));
    expect(steps.length, raw).toBeGreaterThanOrEqual(2);
    for (const step of steps) expect(step).toMatch(/ \d+\.\d s$/);
    const ready = screen.findIndex((l) => /^✓ ready in \d+\.\d s$/.test(l));
    expect(ready, raw).toBeGreaterThan(screen.indexOf(steps.at(-1)!));
    expect(screen[ready + 1]).toMatch(new RegExp(`^Connected to namespace ${ns} through shadow pod `));
    expect(screen[ready + 2]).toMatch(/^SOCKS5 and HTTP proxy: 127\.0\.0\.1:2391/);
    // The live line was redrawn in colour while a step lasted.
    expect(raw).toMatch(/\r\x1b\[2K\x1b\[36m[⠀-⣿]\x1b\[0m shadow pod: /);
    expect(await ktObjects(cluster, ns)).toEqual([]);
  });
});
