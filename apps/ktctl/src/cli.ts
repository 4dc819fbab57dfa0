import yargs, { type Argv, type Options } from 'yargs';
import {
  ErrorCode,
  UsageError,
  createLogger,
  createProgress,
  type CommandContext,
  type CommandDefinition,
  type CoreServices,
  type FlagSpec,
} from '@ktctl/plugin-api';
import { GLOBAL_SECTION, globalFlags, kebabCase, resolveOptions, type ConfigStore } from '@ktctl/config';
import { platformService } from './platforms.js';
import { commandRunState } from './run-state.js';
import { closest } from './suggest.js';
import { VERSION } from './version.js';

export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: { write(text: string): void };
  readonly stderr: { write(text: string): void; isTTY?: boolean };
  readonly signal: AbortSignal;
  /** Aborted by a second, later stop signal (CommandContext.insist). */
  readonly insist?: AbortSignal;
}

interface Selection {
  readonly path: CommandDefinition<any>[];
  readonly argv: Record<string, unknown>;
}

function yargsOption(spec: FlagSpec): Options {
  const aliases = [kebabCase(spec.name), spec.alias].filter((a): a is string => !!a && a !== spec.name);
  const choices = spec.choices ? ` (${spec.choices.join(' | ')}${spec.choicePrefix ? '[:value]' : ''})` : '';
  return {
    alias: aliases,
    type: spec.type === 'string[]' ? 'string' : spec.type,
    // A value-taking flag given without its value is an error, not silently unset.
    ...(spec.type === 'boolean' ? {} : { requiresArg: true }),
    description: `${spec.description}${choices}`,
    hidden: spec.hidden,
    ...(spec.default === undefined ? {} : { defaultDescription: JSON.stringify(spec.default) }),
  };
}

function positionalUsage(def: CommandDefinition<any>): string {
  const words = (def.positionals ?? []).map((p) => {
    const inner = p.variadic ? `${p.name}..` : p.name;
    return p.required ? `<${inner}>` : `[${inner}]`;
  });
  return [def.name, ...words].join(' ');
}

function register(y: Argv, def: CommandDefinition<any>, parents: CommandDefinition<any>[], select: (s: Selection) => void): void {
  const path = [...parents, def];
  y.command(
    [positionalUsage(def), ...(def.aliases ?? [])],
    def.description,
    (sub: Argv) => {
      for (const p of def.positionals ?? []) sub.positional(p.name, { description: p.description, type: 'string' });
      for (const spec of def.flags ?? []) sub.option(spec.name, yargsOption(spec));
      // The command's own flags first, under their own heading; the global ones follow under theirs.
      const own = (def.flags ?? []).filter((f) => !f.hidden).map((f) => f.name);
      if (own.length) sub.group(own, 'Flags:');
      for (const child of def.subcommands ?? []) register(sub, child, path, select);
      for (const [command, meaning] of def.examples ?? []) sub.example(command, meaning);
      if (def.passthrough) sub.epilog(`After "--": ${def.passthrough.description}.`);
      return sub;
    },
    (argv) => select({ path, argv: argv as Record<string, unknown> }),
  );
}

/** The commands the words of argv select (`config set`), ignoring flags and their values. */
function selectedPath(argv: readonly string[], commands: readonly CommandDefinition<any>[]): CommandDefinition<any>[] {
  const path: CommandDefinition<any>[] = [];
  let level = commands;
  for (const word of argv) {
    if (word === '--') break;
    const next = level.find((c) => c.name === word || (c.aliases ?? []).includes(word));
    if (!next) continue;
    path.push(next);
    level = next.subcommands ?? [];
  }
  return path;
}

/** A required positional left out, said in ktctl's words: which one, what it is, where to read more. */
function missingPositional(message: string, argv: readonly string[], commands: readonly CommandDefinition<any>[]): UsageError | undefined {
  const counts = /^Not enough non-option arguments: got (\d+), need at least (\d+)$/.exec(message);
  const path = selectedPath(argv, commands);
  const leaf = path[path.length - 1];
  if (!counts || !leaf) return undefined;
  const missing = (leaf.positionals ?? []).filter((p) => p.required)[Number(counts[1])];
  if (!missing) return undefined;
  const command = `ktctl ${path.map((p) => p.name).join(' ')}`;
  return new UsageError(`"${command}" needs <${missing.name}>: ${missing.description.replace(/[.\s]+$/, '')}`, {
    code: ErrorCode.MissingArgument,
    hint: `Run "${command} --help"`,
  });
}

/** Turns a yargs failure into a usage error that suggests the closest command or flag. */
function usageFailure(
  message: string,
  argv: readonly string[],
  commandNames: string[],
  flagNames: string[],
  commands: readonly CommandDefinition<any>[] = [],
): UsageError {
  const missing = missingPositional(message, argv, commands);
  if (missing) return missing;
  const unknown = /^Unknown (?:argument|arguments|command)s?: (.+)$/.exec(message);
  if (!unknown) return new UsageError(message, { hint: 'Run "ktctl --help" (or "ktctl <command> --help")' });
  const first = unknown[1]!.split(', ')[0]!;
  // yargs names the word without its dashes: it was a flag only if the user wrote it with them.
  const wasFlag = argv.some((a) => a.replace(/^-+/, '').split('=')[0] === first && a.startsWith('-'));
  if (!wasFlag) {
    const asCommand = closest(first, commandNames);
    return new UsageError(`Unknown command "${first}"`, {
      code: ErrorCode.UnknownCommand,
      hint: asCommand ? `Did you mean "${asCommand}"?` : 'Run "ktctl --help" to list the commands',
    });
  }
  const asFlag = closest(first, flagNames);
  return new UsageError(`Unknown flag "--${first}"`, {
    code: ErrorCode.UnknownFlag,
    hint: asFlag ? `Did you mean --${asFlag}?` : 'Run "ktctl <command> --help" to list the flags',
  });
}

function allFlagNames(commands: readonly CommandDefinition<any>[]): string[] {
  const names = new Set<string>(globalFlags.map((f) => f.name));
  const walk = (defs: readonly CommandDefinition<any>[]): void => {
    for (const d of defs) {
      for (const f of d.flags ?? []) names.add(f.name);
      walk(d.subcommands ?? []);
    }
  };
  walk(commands);
  return [...names].flatMap((n) => [n, kebabCase(n)]);
}

function allCommandNames(commands: readonly CommandDefinition<any>[]): string[] {
  return commands.flatMap((c) => [c.name, ...(c.subcommands ?? []).map((s) => s.name)]);
}

function splitList(spec: FlagSpec, value: unknown): unknown {
  if (spec.type !== 'string[]' || value === undefined) return value;
  const values = Array.isArray(value) ? value : [value];
  return values
    .flatMap((v) => String(v).split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Parses argv against the commands; returns the selected command path and raw argv, or nothing (help/version). */
export async function parseArgs(
  argv: readonly string[],
  commands: readonly CommandDefinition<any>[],
  io: CliIo,
): Promise<Selection | undefined> {
  let selected: Selection | undefined;
  const y = yargs([...argv])
    .scriptName('ktctl')
    .usage('ktctl <command> [flags]\n\nWork on your laptop as if it were inside your Kubernetes cluster.')
    .version(VERSION)
    .help()
    .alias('help', 'h')
    .exitProcess(false)
    .fail(false)
    .strictCommands()
    .strictOptions()
    .parserConfiguration({ 'boolean-negation': true, 'camel-case-expansion': true, 'populate--': true })
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .epilog('Flags may be set as defaults with "ktctl config set", or through KT_* environment variables.');
  for (const spec of globalFlags) y.option(spec.name, { ...yargsOption(spec), global: true });
  y.group([...(globalFlags as readonly FlagSpec[]).filter((f) => !f.hidden).map((f) => f.name), 'help', 'version'], 'Global flags:');
  for (const def of commands) register(y, def, [], (s) => (selected = s));
  y.demandCommand(1, 'Name a command');
  try {
    await y.parseAsync();
  } catch (error) {
    throw usageFailure((error as Error).message, argv, allCommandNames(commands), allFlagNames(commands), commands);
  }
  return selected;
}

/** Resolves options and runs the selected command's handler; returns the exit code. */
export async function runSelection(selection: Selection, config: ConfigStore, io: CliIo): Promise<number> {
  const { path, argv } = selection;
  const top = path[0]!;
  const leaf = path[path.length - 1]!;
  const groups = [
    { section: GLOBAL_SECTION, flags: globalFlags as readonly FlagSpec[] },
    { section: top.name, flags: top.flags ?? [] },
    ...path
      .slice(1)
      .map((d) => ({ section: path.map((p) => p.name).join('.'), flags: (d.flags ?? []).map((f) => ({ ...f, configurable: false })) })),
  ];
  const given: Record<string, unknown> = {};
  for (const { flags } of groups) for (const spec of flags) given[spec.name] = splitList(spec, argv[spec.name]);
  const configFile = await config.read();
  const { options, sources } = resolveOptions({ groups, configFile, configPath: config.path, env: io.env, given });
  const args: Record<string, string | string[] | undefined> = {};
  for (const p of leaf.positionals ?? []) {
    const value = argv[p.name];
    args[p.name] = value === undefined ? undefined : Array.isArray(value) ? value.map(String) : String(value);
  }
  const rest = ((argv['--'] as unknown[] | undefined) ?? []).map(String);
  if (leaf.passthrough) args[leaf.passthrough.name] = rest;
  else if (rest.length)
    throw new UsageError(`"ktctl ${path.map((p) => p.name).join(' ')}" takes nothing after "--"`, {
      hint: `Remove "-- ${rest.join(' ')}"`,
    });
  if (!leaf.handler)
    throw new UsageError(`"${path.map((p) => p.name).join(' ')}" needs a subcommand`, {
      hint: `Run "ktctl ${path.map((p) => p.name).join(' ')} --help"`,
    });
  const logger = createLogger(options.debug ? 'debug' : 'info', io.stderr);
  const services: CoreServices = { config, netplatform: platformService(io.env) };
  const runState = commandRunState(
    path.map((p) => p.name),
    options,
    io.env,
  );
  const context: CommandContext = {
    command: path.map((p) => p.name),
    args,
    options,
    sources,
    logger,
    progress: createProgress(logger),
    signal: io.signal,
    insist: io.insist ?? new AbortController().signal,
    services,
    print: (text) => io.stdout.write(`${text}\n`),
    version: VERSION,
    env: io.env,
    runState,
  };
  try {
    const result = await leaf.handler(context);
    return typeof result === 'number' ? result : 0;
  } finally {
    runState.remove();
  }
}
