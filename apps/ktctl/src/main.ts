import { ConfigStore, GLOBAL_SECTION, globalFlags, ktHome } from '@ktctl/config';
import type { CommandDefinition, FlagSpec } from '@ktctl/plugin-api';
import { parseArgs, runSelection, type CliIo } from './cli.js';
import { builtinCommands } from './commands.js';
import { loadOutsidePlugins, pluginLocations } from './plugins.js';
import { reportError } from './report.js';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

/** Aborts on the first stop signal; a second one exits at once (the handler had its chance to clean up). */
function abortOnSignals(): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(new Error(`interrupted by ${name}`));
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
    return await runSelection(selection, new ConfigStore(home, configSections(commands)), io);
  } catch (error) {
    return reportError(error, { debug, stderr: process.stderr });
  } finally {
    release();
  }
}
