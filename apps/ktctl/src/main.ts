import { ConfigStore, GLOBAL_SECTION, globalFlags, ktHome } from '@ktctl/config';
import type { CommandDefinition, FlagSpec } from '@ktctl/plugin-api';
import { parseArgs, runSelection, type CliIo } from './cli.js';
import { builtinCommands } from './commands.js';
import { loadOutsidePlugins, pluginLocations } from './plugins.js';
import { reportError } from './report.js';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

/** Signals that arrive this soon after the first are the same stop (sudo, timeout and shells relay them). */
const SAME_STOP_MS = 3_000;

/**
 * Aborts on the first stop signal, so the handler undoes what it changed. Cleanup is never cut short by a
 * relayed duplicate; only a signal sent well after the first (a user who insists) exits at once, and says
 * how to finish the cleanup.
 */
function abortOnSignals(): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  let firstAt = 0;
  const onSignal = (name: NodeJS.Signals): void => {
    if (!controller.signal.aborted) {
      firstAt = Date.now();
      controller.abort(new Error(`interrupted by ${name}`));
      return;
    }
    if (Date.now() - firstAt < SAME_STOP_MS) return;
    process.stderr.write('warning: stopped before cleanup finished; run "ktctl clean" to undo what is left\n');
    process.exit(130);
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  return { signal: controller.signal, release: () => STOP_SIGNALS.forEach((s) => process.off(s, onSignal)) };
}

function configSections(commands: readonly CommandDefinition<any>[]): Map<string, readonly FlagSpec[]> {
  return new Map<string, readonly FlagSpec[]>([[GLOBAL_SECTION, globalFlags], ...commands.filter((c) => (c.flags ?? []).some((f) => f.configurable !== false)).map((c) => [c.name, c.flags ?? []] as const)]);
}

/** Runs ktctl with these arguments; returns the process exit code. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const debug = argv.includes('--debug') || argv.includes('-d');
  const { signal, release } = abortOnSignals();
  const io: CliIo = { env, stdout: process.stdout, stderr: process.stderr, signal };
  try {
    const home = ktHome(env);
    const taken = new Set(builtinCommands.flatMap((c) => [c.name, ...(c.aliases ?? [])]));
    const outside = loadOutsidePlugins(pluginLocations(env, home), taken);
    for (const warning of outside.warnings) process.stderr.write(`warning: ${warning}\n`);
    const commands = [...builtinCommands, ...outside.commands];
    const selection = await parseArgs(argv, commands, io);
    if (!selection) return 0;
    const config = new ConfigStore(home, configSections(commands), (w) => process.stderr.write(`warning: ${w}\n`));
    return await runSelection(selection, config, io);
  } catch (error) {
    return reportError(error, { debug, stderr: process.stderr });
  } finally {
    release();
  }
}
