import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { delimiter, join, resolve } from 'node:path';
import * as pluginApi from '@ktctl/plugin-api';
import type { CommandDefinition, Logger } from '@ktctl/plugin-api';

/** Where outside plugins come from: each entry of $KTCTL_PLUGINS, then every entry of ~/.kt/plugins. */
export function pluginLocations(env: NodeJS.ProcessEnv, ktHomeDir: string): string[] {
  const fromEnv = (env.KTCTL_PLUGINS ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((p) => resolve(p));
  const folder = join(ktHomeDir, 'plugins');
  const fromFolder = existsSync(folder)
    ? readdirSync(folder)
        .filter((name) => !name.startsWith('.'))
        .sort()
        .map((name) => join(folder, name))
    : [];
  return [...fromEnv, ...fromFolder];
}

/** A plugin folder is a package (its package.json `main`, else index.js); a file is loaded as is. */
function entryFile(location: string): string {
  if (!statSync(location).isDirectory()) return location;
  const manifest = join(location, 'package.json');
  if (existsSync(manifest)) {
    const main = (JSON.parse(readFileSync(manifest, 'utf8')) as { main?: string }).main;
    if (main) return join(location, main);
  }
  return join(location, 'index.js');
}

let hostApiInstalled = false;

/** Lets a CommonJS plugin `require('@ktctl/plugin-api')` without shipping its own copy. */
function provideHostPluginApi(): void {
  if (hostApiInstalled) return;
  hostApiInstalled = true;
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = loader._load;
  loader._load = function load(request: string, ...rest: unknown[]) {
    return request === '@ktctl/plugin-api' ? pluginApi : original.call(this, request, ...rest);
  };
}

/** Why a command definition cannot be used, or undefined when it can. */
export function commandProblem(value: unknown, depth = 0): string | undefined {
  if (typeof value !== 'object' || value === null) return 'a command must be an object';
  const def = value as Partial<CommandDefinition>;
  if (typeof def.name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(def.name))
    return `command name ${JSON.stringify(def.name)} must be lower-case letters, digits and "-"`;
  if (typeof def.description !== 'string') return `command ${def.name} needs a description`;
  if (def.handler !== undefined && typeof def.handler !== 'function') return `command ${def.name}: handler must be a function`;
  if (def.handler === undefined && !def.subcommands?.length) return `command ${def.name} has neither a handler nor subcommands`;
  for (const flag of def.flags ?? []) {
    if (typeof flag?.name !== 'string' || !['string', 'number', 'boolean', 'string[]'].includes(flag.type))
      return `command ${def.name}: flag ${JSON.stringify(flag?.name)} needs a name and a type`;
  }
  if (depth < 4)
    for (const sub of def.subcommands ?? []) {
      const problem = commandProblem(sub, depth + 1);
      if (problem) return problem;
    }
  return undefined;
}

export interface LoadedPlugins {
  readonly commands: CommandDefinition<any>[];
  readonly warnings: string[];
}

/**
 * Loads outside plugins on top of the built-in commands. A plugin that throws, has the wrong shape or
 * reuses a taken command name is skipped with a warning; it never breaks the built-in commands.
 */
export function loadOutsidePlugins(locations: readonly string[], taken: ReadonlySet<string>, logger?: Logger): LoadedPlugins {
  const commands: CommandDefinition<any>[] = [];
  const warnings: string[] = [];
  const names = new Set(taken);
  if (locations.length) provideHostPluginApi();
  const load = createRequire(join(process.cwd(), 'noop.js'));
  for (const location of locations) {
    let exported: unknown;
    try {
      exported = load(entryFile(location));
    } catch (error) {
      warnings.push(`plugin ${location} failed to load: ${(error as Error).message.split('\n')[0]}; skipped`);
      logger?.debug((error as Error).stack ?? String(error));
      continue;
    }
    const module = exported as { commands?: unknown; default?: { commands?: unknown } };
    const list = module.commands ?? module.default?.commands;
    if (!Array.isArray(list)) {
      warnings.push(`plugin ${location} does not export "commands" (an array of command definitions); skipped`);
      continue;
    }
    for (const candidate of list) {
      const problem = commandProblem(candidate);
      const name = (candidate as { name?: string })?.name ?? '?';
      if (problem) warnings.push(`plugin ${location}: ${problem}; skipped`);
      else if (names.has(name)) warnings.push(`plugin ${location}: command "${name}" is already defined; skipped`);
      else {
        names.add(name);
        commands.push(candidate as CommandDefinition<any>);
      }
    }
  }
  return { commands, warnings };
}
