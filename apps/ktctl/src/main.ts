import { ConfigStore, GLOBAL_SECTION, globalFlags, ktHome, parseFlagText } from '@ktctl/config';
import { settleLiveProgress, type CommandDefinition, type FlagSpec } from '@ktctl/plugin-api';
import { COMPLETE_COMMAND, completeWords, programName } from '@ktctl/plugin-completion';
import { parseArgs, runSelection, type CliIo } from './cli.js';
import { builtinCommands } from './commands.js';
import { loadOutsidePlugins, pluginLocations } from './plugins.js';
import { reportError } from './report.js';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

/** Signals that arrive this soon after the previous one are the same stop (sudo, timeout and shells relay them). */
const SAME_STOP_MS = 3_000;
/** How long a command may go on cleaning up after the user insisted. */
const INSIST_GRACE_MS = 5_000;

const CUT_SHORT = 'warning: stopped before cleanup finished; run "ktctl clean" to undo what is left\n';

/**
 * The first stop signal aborts `signal`, so the handler undoes what it changed; relayed duplicates (any
 * signal within moments of the previous one) are ignored. A later one (a user who insists) aborts
 * `insist`: the command skips what is only waiting and gets a few seconds to finish. A third, or a command
 * still running after those seconds, exits at once, saying how to finish the cleanup.
 */
export function abortOnSignals(
  exit: (code: number) => void = (code) => process.exit(code),
  stderr: { write(text: string): void } = process.stderr,
): {
  signal: AbortSignal;
  insist: AbortSignal;
  onSignal: (name: NodeJS.Signals) => void;
  release: () => void;
} {
  const stop = new AbortController();
  const insist = new AbortController();
  let lastAt = 0;
  let grace: NodeJS.Timeout | undefined;
  const cutShort = (): void => {
    stderr.write(CUT_SHORT);
    exit(130);
  };
  const onSignal = (name: NodeJS.Signals): void => {
    if (Date.now() - lastAt < SAME_STOP_MS) return;
    lastAt = Date.now();
    if (!stop.signal.aborted) return void stop.abort(new Error(`interrupted by ${name}`));
    if (insist.signal.aborted) return cutShort();
    insist.abort(new Error(`interrupted again by ${name}`));
    grace = setTimeout(cutShort, INSIST_GRACE_MS);
    grace.unref();
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  return {
    signal: stop.signal,
    insist: insist.signal,
    onSignal,
    release: () => {
      clearTimeout(grace);
      STOP_SIGNALS.forEach((s) => process.off(s, onSignal));
    },
  };
}

function configSections(commands: readonly CommandDefinition<any>[]): Map<string, readonly FlagSpec[]> {
  return new Map<string, readonly FlagSpec[]>([
    [GLOBAL_SECTION, globalFlags],
    ...commands.filter((c) => (c.flags ?? []).some((f) => f.configurable !== false)).map((c) => [c.name, c.flags ?? []] as const),
  ]);
}

/**
 * Whether an error report shows its stack: `--debug`, else KT_DEBUG, else `global.debug` in ~/.kt/config
 * (the same places the debug option itself is resolved from). A config that cannot be read says no.
 */
async function wantsDebug(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  if (argv.includes('--debug') || argv.includes('-d')) return true;
  const spec = globalFlags.find((f) => f.name === 'debug')!;
  if (env.KT_DEBUG !== undefined) {
    const parsed = parseFlagText(spec, env.KT_DEBUG);
    return 'value' in parsed && parsed.value === true;
  }
  try {
    const config = new ConfigStore(ktHome(env), new Map([[GLOBAL_SECTION, globalFlags]]), () => {});
    return (await config.read())[GLOBAL_SECTION]?.debug === true;
  } catch {
    return false;
  }
}

/** The cluster flags set in ~/.kt/config's global section, for completion; none when it cannot be read. */
async function clusterDefaults(home: string): Promise<{ namespace?: string; kubeconfig?: string; context?: string }> {
  try {
    const global = (await new ConfigStore(home, new Map([[GLOBAL_SECTION, globalFlags]]), () => {}).read())[GLOBAL_SECTION] ?? {};
    const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    return Object.fromEntries(
      Object.entries({ namespace: text(global.namespace), kubeconfig: text(global.kubeconfig), context: text(global.context) }).filter(
        ([, v]) => v !== undefined,
      ),
    );
  } catch {
    return {};
  }
}

/** Runs ktctl with these arguments; returns the process exit code. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { signal, insist, release } = abortOnSignals();
  const io: CliIo = { env, stdout: process.stdout, stderr: process.stderr, signal, insist };
  try {
    const home = ktHome(env);
    const taken = new Set(builtinCommands.flatMap((c) => [c.name, ...(c.aliases ?? [])]));
    const outside = loadOutsidePlugins(pluginLocations(env, home), taken);
    for (const warning of outside.warnings) process.stderr.write(`warning: ${warning}\n`);
    const commands = [...builtinCommands, ...outside.commands];
    // The completion scripts' entry point (and kubectl's, through kubectl_complete-kt): raw words, no parsing.
    const invoked = programName();
    if (argv[0] === COMPLETE_COMMAND || invoked.completeOnly) {
      const words = invoked.completeOnly && argv[0] !== COMPLETE_COMMAND ? argv : argv.slice(1);
      process.stdout.write(await completeWords(words, commands, globalFlags, env, await clusterDefaults(home)));
      return 0;
    }
    const selection = await parseArgs(argv, commands, io);
    if (!selection) return 0;
    const config = new ConfigStore(home, configSections(commands), (w) => process.stderr.write(`warning: ${w}\n`));
    return await runSelection(selection, config, io);
  } catch (error) {
    settleLiveProgress();
    return reportError(error, { debug: await wantsDebug(argv, env), stderr: process.stderr });
  } finally {
    release();
  }
}
