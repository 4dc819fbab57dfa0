// The completion scripts run in real shells (bash, zsh after compinit, fish) against the bundled ktctl,
// installed on PATH as `ktctl` and as the kubectl plugin `kubectl-kt` / `kubectl_complete-kt`.
import { spawnSync } from 'node:child_process';
import { chmodSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshKtHome, temporaryDir } from '../test/run-ktctl.js';

const bundle = fileURLToPath(new URL('../dist/ktctl.cjs', import.meta.url));
let bin: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  bin = temporaryDir('ktctl-completion-bin-');
  // The shells run the bundle by its shebang; nx restores a cached dist/ without the exec bit esbuild gave it.
  chmodSync(bundle, 0o755);
  for (const name of ['ktctl', 'kubectl-kt', 'kubectl_complete-kt']) {
    symlinkSync(bundle, join(bin, name));
  }
  // A kubeconfig whose server refuses: namespace completion must give up quickly and quietly.
  const kubeconfig = join(bin, 'refusing.kubeconfig');
  writeFileSync(
    kubeconfig,
    'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
  );
  env = { PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH}`, KT_HOME: freshKtHome(), KUBECONFIG: kubeconfig, HOME: bin };
});

function sh(shell: string, args: string[], script: string) {
  const run = spawnSync(shell, [...args, script], { env, encoding: 'utf8', timeout: 30_000 });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

/** COMPREPLY for a command line typed up to its end, through the bash script's function. */
function bashComplete(line: string, program = 'ktctl'): string[] {
  const fn = `_${program.replace(/[^A-Za-z0-9]/g, '_')}_complete`;
  const out = sh(
    'bash',
    ['--norc', '--noprofile', '-c'],
    `source <(${program} completion bash)
COMP_LINE=${JSON.stringify(line)}; COMP_POINT=\${#COMP_LINE}
COMP_WORDBREAKS=$' \\t\\n"\\'><=;|&(:'
read -ra COMP_WORDS <<< "$COMP_LINE"; [[ "$COMP_LINE" =~ [[:space:]]$ ]] && COMP_WORDS+=("")
# bash splits at "=" too: the word after it is what gets replaced.
if [[ "\${COMP_WORDS[-1]}" == *=* ]]; then last="\${COMP_WORDS[-1]}"; unset 'COMP_WORDS[-1]'; COMP_WORDS+=("\${last%%=*}" "=" "\${last#*=}"); [[ -z "\${COMP_WORDS[-1]}" ]] && unset 'COMP_WORDS[-1]'; fi
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
${fn}
printf '%s\\n' "\${COMPREPLY[@]}"`,
  );
  return out.split('\n').filter(Boolean);
}

// Each case starts shells and ktctl a few dozen times: bounded generously for a busy machine.
describe('ktctl completion', { timeout: 180_000 }, () => {
  it('bash: registers with complete -F and completes commands, flags and values from the flag tables', () => {
    expect(sh('bash', ['--norc', '-c'], 'source <(ktctl completion bash); complete -p ktctl')).toBe(
      'complete -o bashdefault -F _ktctl_complete ktctl\n',
    );
    expect(bashComplete('ktctl ex')).toEqual(['exchange']);
    expect(bashComplete('ktctl con')).toEqual(['connect', 'config']);
    expect(bashComplete('ktctl config ')).toEqual(expect.arrayContaining(['show', 'set', 'unset']));
    expect(bashComplete('ktctl connect --dnsM')).toEqual(['--dnsMode']);
    expect(bashComplete('ktctl connect --mode ')).toEqual(['tun2socks', 'sshuttle']);
    expect(bashComplete('ktctl exchange --mode s')).toEqual(['selector', 'scale']);
    expect(bashComplete('ktctl exchange --mode=sc')).toEqual(['scale']);
    // Global flags come after the command's own; kebab spellings complete once started.
    const flags = bashComplete('ktctl exchange --');
    expect(flags.indexOf('--expose')).toBeLessThan(flags.indexOf('--namespace'));
    expect(flags).not.toContain('--image-registry');
    expect(bashComplete('ktctl exchange --image-r')).toEqual(['--image-registry']);
    expect(bashComplete('ktctl completion ')).toEqual(['bash', 'zsh', 'fish', 'powershell']);
  });

  it('gives up on the cluster within its time bound and offers nothing', () => {
    const started = Date.now();
    expect(bashComplete('ktctl exchange -n ')).toEqual([]);
    expect(bashComplete('ktctl exchange ')).toEqual([]);
    expect(Date.now() - started).toBeLessThan(15_000);
    const slow = spawnSync('ktctl', ['__complete', '-n', ''], { env: { ...env, KUBECONFIG: '/nonexistent' }, encoding: 'utf8' });
    expect(slow.stdout).toBe(':4\n');
  });

  it('zsh: compinit, the script registers _ktctl, which offers what ktctl __complete says', () => {
    const out = sh(
      'zsh',
      ['-f', '-c'],
      `autoload -Uz compinit && compinit -u -d ${bin}/zcompdump
source <(ktctl completion zsh)
print -r -- "registered: $_comps[ktctl]"
_describe() { print -rl -- "\${(@P)4}" }
words=(ktctl exchange --mode ''); CURRENT=4; _ktctl
words=(ktctl con); CURRENT=2; _ktctl`,
    );
    expect(out.split('\n')[0]).toBe('registered: _ktctl');
    expect(out).toContain('selector\nscale\nephemeral\n');
    expect(out).toMatch(/^connect:Reach pod IPs/m);
    expect(out).toMatch(/^config:Show and change/m);
  });

  it('fish: complete -C lists commands and flag values', () => {
    const out = sh(
      'fish',
      ['--no-config', '-c'],
      `ktctl completion fish | source; complete -C 'ktctl ex'; complete -C 'ktctl connect --dnsMode '`,
    );
    expect(out).toMatch(/^exchange\tSend a Service/m);
    expect(out.split('\n')).toEqual(expect.arrayContaining(['localDNS', 'podDNS', 'hosts']));
  });

  it('works as the kubectl plugin kubectl-kt (its own script, and kubectl_complete-kt for kubectl kt <TAB>)', () => {
    expect(sh('bash', ['--norc', '-c'], 'source <(kubectl-kt completion bash); complete -p kubectl-kt')).toBe(
      'complete -o bashdefault -F _kubectl_kt_complete kubectl-kt\n',
    );
    expect(bashComplete('kubectl-kt exchange --mode s', 'kubectl-kt')).toEqual(['selector', 'scale']);
    // kubectl calls kubectl_complete-kt with the words after "kt", cobra's protocol back.
    const hook = spawnSync('kubectl_complete-kt', ['mesh', '--mode', ''], { env, encoding: 'utf8' });
    expect(hook.stdout).toBe('auto\nmanual\n:4\n');
    expect(spawnSync('kubectl-kt', ['completion', 'zsh'], { env, encoding: 'utf8' }).stdout).toMatch(/^#compdef kubectl-kt\n/);
    expect(spawnSync('ktctl', ['completion', 'zsh'], { env, encoding: 'utf8' }).stdout).toMatch(/^#compdef ktctl\n/);
  });

  it('refuses an unknown shell in one line', () => {
    const run = spawnSync('ktctl', ['completion', 'tcsh'], { env, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('error: Unknown shell "tcsh". Use one of: bash, zsh, fish, powershell. [KT_INVALID_FLAG]\n');
  });
});
