import { ErrorCode, UsageError, defineCommand, type CommandDefinition, type FlagSpec } from '@ktctl/plugin-api';
import { clusterNames } from './cluster.js';
import { SHELLS, complete, formatCompletion, type ClusterTarget, type Shell } from './engine.js';
import { completionScript } from './scripts.js';

export { complete, formatCompletion, Directive, SHELLS, type Completion, type Candidate, type ClusterNames } from './engine.js';
export { completionScript } from './scripts.js';
export { clusterNames } from './cluster.js';

/** The hidden entry point the scripts call: `ktctl __complete <words...>` (the last word is the one typed). */
export const COMPLETE_COMMAND = '__complete';

/** How long the cluster may take to name namespaces or Services before completion goes on without them. */
export const CLUSTER_TIMEOUT_MS = 1500;

/** The `__complete` answer for the words after the program name, in cobra's format. */
export async function completeWords(
  words: readonly string[],
  commands: readonly CommandDefinition<any>[],
  globalFlags: readonly FlagSpec[],
  env: NodeJS.ProcessEnv,
  defaults: ClusterTarget = {},
): Promise<string> {
  const timeoutMs = Number(env.KTCTL_COMPLETE_TIMEOUT_MS) > 0 ? Number(env.KTCTL_COMPLETE_TIMEOUT_MS) : CLUSTER_TIMEOUT_MS;
  const answer = await complete(words.length ? words : [''], { commands, globalFlags, cluster: clusterNames(env, defaults) }, timeoutMs);
  return formatCompletion(answer);
}

/**
 * The name completion is for: `kubectl-kt` when this binary runs as a kubectl plugin (its file is named so),
 * else `ktctl`. `kubectl_complete-kt` (kubectl's completion hook for plugin `kt`) is the same binary.
 */
export function programName(invokedAs: readonly (string | undefined)[] = [process.argv0, process.argv[1]]): {
  program: string;
  completeOnly: boolean;
} {
  // A standalone binary sees its name in argv0 (as typed, symlinks unresolved); the bundle run by node in argv[1].
  const bases = invokedAs.map((name) =>
    (name ?? '')
      .split(/[\\/]/)
      .pop()!
      .replace(/\.(c?js|exe)$/i, ''),
  );
  if (bases.includes('kubectl_complete-kt')) return { program: 'kubectl-kt', completeOnly: true };
  return { program: bases.includes('kubectl-kt') ? 'kubectl-kt' : 'ktctl', completeOnly: false };
}

/** `ktctl completion <shell>`, printing the script for the program name in use. */
export function completionCommands(program: () => string): CommandDefinition<any>[] {
  const command = defineCommand({
    name: 'completion',
    description: 'Print the shell completion script (bash, zsh, fish or powershell)',
    positionals: [{ name: 'shell', required: true, description: `The shell: ${SHELLS.join(' | ')}` }],
    examples: [
      ['source <(ktctl completion bash)', 'complete ktctl in this bash (add the line to ~/.bashrc)'],
      ['ktctl completion zsh > "${fpath[1]}/_ktctl"', 'install for zsh (compinit loads it)'],
      ['ktctl completion fish > ~/.config/fish/completions/ktctl.fish', 'install for fish'],
    ],
    handler(ctx) {
      const shell = String(ctx.args.shell ?? '');
      if (!(SHELLS as readonly string[]).includes(shell))
        throw new UsageError(`Unknown shell "${shell}"`, { code: ErrorCode.InvalidFlag, hint: `Use one of: ${SHELLS.join(', ')}` });
      ctx.print(completionScript(shell as Shell, program()).trimEnd());
    },
  });
  return [command];
}
