import type { Logger, Progress } from './logger.js';
import type { CoreServices } from './services.js';

/** The value types a flag can carry. */
export type FlagType = 'string' | 'number' | 'boolean' | 'string[]';

type FlagValue<T extends FlagType> = T extends 'string' ? string : T extends 'number' ? number : T extends 'boolean' ? boolean : string[];

/** One command-line flag. `name` is camelCase; the kebab-case spelling is accepted too. */
export interface FlagSpec<T extends FlagType = FlagType> {
  readonly name: string;
  readonly type: T;
  readonly description: string;
  /** One-letter alias, e.g. `n` for `--namespace`. */
  readonly alias?: string;
  readonly default?: FlagValue<T>;
  /** Allowed values (strings only). A value may also be `prefix:rest` when `choicePrefix` is true. */
  readonly choices?: readonly string[];
  /** Accept `choice:anything`, as in `--dnsMode hosts:ns1,ns2`. */
  readonly choicePrefix?: boolean;
  /** Numbers only: the allowed range, and whether the value must be whole (a port, a count). */
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
  /** Strings and lists (each item): what is wrong with a value, or undefined when it is fine. */
  readonly check?: (value: string) => string | undefined;
  /** Settable in ~/.kt/config and through KT_* variables; true unless said otherwise. */
  readonly configurable?: boolean;
  readonly hidden?: boolean;
}

/** A positional argument. */
export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
  /** Takes every remaining argument. */
  readonly variadic?: boolean;
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The resolved options object a handler receives for a list of flags. */
export type InferFlags<F extends readonly FlagSpec[]> = Simplify<{
  [S in F[number] as S['name']]: S extends { default: unknown } ? FlagValue<S['type']> : FlagValue<S['type']> | undefined;
}>;

/** Where a resolved option value came from. */
export type OptionSource = 'default' | 'config' | 'env' | 'flag';

/** What a command handler receives. */
export interface CommandContext<O = Record<string, unknown>> {
  /** The full command path, e.g. `['config', 'set']`. */
  readonly command: readonly string[];
  /** Positional arguments by name (variadic ones as arrays). */
  readonly args: Readonly<Record<string, string | string[] | undefined>>;
  /** Global and command flags, resolved: defaults, then ~/.kt/config, then KT_* variables, then flags. */
  readonly options: O;
  /** Where each option's value came from. */
  readonly sources: Readonly<Record<string, OptionSource>>;
  readonly logger: Logger;
  readonly progress: Progress;
  /** Aborted on Ctrl-C, SIGTERM, SIGHUP or SIGQUIT: stop work and clean up. */
  readonly signal: AbortSignal;
  /**
   * Aborted when the user stops again while the command cleans up (a second Ctrl-C): skip what is only
   * waiting (e.g. for replicas to come back) and finish the undo steps that matter. A command still running
   * a few seconds later is stopped, with a warning to run `ktctl clean`.
   */
  readonly insist: AbortSignal;
  /** The core services (configuration now; cluster, tunnel and DNS as they arrive). */
  readonly services: CoreServices;
  /** Writes a command's output (not logs) to standard output. */
  readonly print: (text: string) => void;
  /** ktctl's release version (it names the matching shadow image). */
  readonly version: string;
  /** The environment ktctl runs in (process.env in the app): handed to services instead of them reading it. */
  readonly env: NodeJS.ProcessEnv;
  /**
   * Where a long-running command publishes its live state for `ktctl status` (namespace, shadow pod, tunnel
   * state, proxy...): merged into this process's state file, which goes when the process exits. Absent in tests.
   */
  readonly runState?: RunStateSink;
}

/** A running command's live state, as `ktctl status` shows it; each update merges its fields into the last. */
export interface RunStateSink {
  update(fields: Readonly<Record<string, unknown>>): void;
}

/** A command a plugin contributes. Handlers return nothing, or an exit code. */
export interface CommandDefinition<O = Record<string, unknown>> {
  readonly name: string;
  readonly description: string;
  readonly aliases?: readonly string[];
  readonly flags?: readonly FlagSpec[];
  readonly positionals?: readonly PositionalSpec[];
  readonly subcommands?: readonly CommandDefinition<any>[];
  /** Arguments after `--` arrive, untouched, as a string array in `args[passthrough.name]`. */
  readonly passthrough?: { readonly name: string; readonly description: string };
  readonly examples?: readonly (readonly [command: string, meaning: string])[];
  readonly handler?: (ctx: CommandContext<O>) => Promise<void | number> | void | number;
}

/** What a plugin module exports: `export const commands = [defineCommand(...)]`. */
export interface PluginModule {
  readonly commands: readonly CommandDefinition<any>[];
}

/** Defines a command with its handler's options typed from its flags (global flags included as unknown). */
export function defineCommand<const F extends readonly FlagSpec[] = []>(
  definition: Omit<CommandDefinition<InferFlags<F> & Record<string, unknown>>, 'flags'> & { flags?: F },
): CommandDefinition<InferFlags<F> & Record<string, unknown>> {
  return definition;
}

/** Defines one flag, keeping its literal type for `defineCommand`'s inference. */
export function flag<const T extends FlagType, const S extends FlagSpec<T>>(spec: S & { type: T }): S {
  return spec;
}
