import {
  ErrorCode,
  UsageError,
  defineCommand,
  isStructured,
  printReport,
  type CommandContext,
  type ConfigService,
} from '@ktctl/plugin-api';
import { ConfigStore, configurableFlags } from '@ktctl/config';

function keyArgument(ctx: CommandContext): string {
  return String(ctx.args.key ?? '');
}

function formatValue(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** Every configurable key, for -o json|yaml: `key`, `value` (the file's, else the default), `set`, `default`. */
async function allKeyRecords(config: ConfigService): Promise<{ key: string; value: unknown; set: boolean; default: unknown }[]> {
  const tree = await config.read();
  const records: { key: string; value: unknown; set: boolean; default: unknown }[] = [];
  for (const [section, flags] of config.sections) {
    for (const spec of configurableFlags(flags)) {
      const set = tree[section]?.[spec.name];
      records.push({
        key: `${section}.${spec.name}`,
        value: set ?? spec.default ?? null,
        set: set !== undefined,
        default: spec.default ?? null,
      });
    }
  }
  return records;
}

/** Every configurable key with its effective value: the one set in the file, else the default. */
async function allKeys(config: ConfigService): Promise<string[]> {
  const tree = await config.read();
  const lines: string[] = [];
  for (const [section, flags] of config.sections) {
    for (const spec of configurableFlags(flags)) {
      const set = tree[section]?.[spec.name];
      const shown =
        set !== undefined ? formatValue(set) : spec.default !== undefined ? `${formatValue(spec.default)} (default)` : '(not set)';
      lines.push(`${section}.${spec.name} = ${shown}`);
    }
  }
  return lines;
}

const show = defineCommand({
  name: 'show',
  description: 'Show the defaults set in ~/.kt/config',
  flags: [
    { name: 'all', type: 'boolean', default: false, configurable: false, description: 'Show every key, with its default when unset' },
  ],
  async handler(ctx) {
    const config = ctx.services.config;
    if (isStructured(ctx.options)) {
      const report = ctx.options.all
        ? { path: config.path, keys: await allKeyRecords(config) }
        : { path: config.path, config: await config.read() };
      printReport(ctx, report as never, () => '');
      return;
    }
    if (ctx.options.all) {
      ctx.print((await allKeys(config)).join('\n'));
      return;
    }
    const text = ConfigStore.format(await config.read());
    ctx.print(text === '' ? `# nothing set in ${config.path}; "ktctl config show --all" lists every key` : text.trimEnd());
  },
});

const get = defineCommand({
  name: 'get',
  description: 'Print one key, e.g. "ktctl config get global.namespace"',
  positionals: [{ name: 'key', description: '<section>.<flag>, e.g. connect.mode', required: true }],
  async handler(ctx) {
    const value = await ctx.services.config.get(keyArgument(ctx));
    if (value === undefined) {
      ctx.logger.warn(`${keyArgument(ctx)} is not set in ${ctx.services.config.path}`);
      return 1;
    }
    ctx.print(formatValue(value));
  },
});

const set = defineCommand({
  name: 'set',
  description: 'Set a default: "ktctl config set connect.mode sshuttle" or "ktctl config set connect.mode=sshuttle"',
  positionals: [
    { name: 'key', description: '<section>.<flag>, or <section>.<flag>=<value>', required: true },
    { name: 'value', description: 'the value (omit when given as key=value)' },
  ],
  async handler(ctx) {
    let key = keyArgument(ctx);
    let value = ctx.args.value as string | undefined;
    const eq = key.indexOf('=');
    if (value === undefined && eq > 0) [key, value] = [key.slice(0, eq), key.slice(eq + 1)];
    if (value === undefined)
      throw new UsageError(`No value given for ${key}`, {
        hint: `Run "ktctl config set ${key} <value>" or "ktctl config set ${key}=<value>"`,
      });
    await ctx.services.config.set(key, value);
    ctx.logger.info(`${key} set to ${value}`);
  },
});

const unset = defineCommand({
  name: 'unset',
  description: 'Remove a default (or every default with --all)',
  positionals: [{ name: 'key', description: '<section>.<flag>' }],
  flags: [{ name: 'all', type: 'boolean', default: false, configurable: false, description: 'Remove every key' }],
  async handler(ctx) {
    if (ctx.options.all) return void (await ctx.services.config.unsetAll());
    if (!ctx.args.key)
      throw new UsageError('Name the key to unset', { hint: 'Run "ktctl config unset <section>.<flag>" or "ktctl config unset --all"' });
    await ctx.services.config.unset(keyArgument(ctx));
  },
});

const profileName = [{ name: 'name', description: 'profile name (letters, digits, ".", "_", "-")', required: true }] as const;

const listProfile = defineCommand({
  name: 'list-profile',
  description: 'List saved profiles',
  async handler(ctx) {
    const names = await ctx.services.config.listProfiles();
    ctx.print(names.length ? names.join('\n') : '# no profiles; save one with "ktctl config save-profile <name>"');
  },
});

const saveProfile = defineCommand({
  name: 'save-profile',
  description: 'Save the current config as a named profile (replacing one of that name)',
  positionals: profileName,
  async handler(ctx) {
    await ctx.services.config.saveProfile(String(ctx.args.name));
    ctx.logger.info(`Profile ${String(ctx.args.name)} saved`);
  },
});

const loadProfile = defineCommand({
  name: 'load-profile',
  description: 'Replace the current config with a saved profile',
  positionals: profileName,
  flags: [
    { name: 'dryRun', type: 'boolean', default: false, configurable: false, description: 'Print what would be loaded, change nothing' },
  ],
  async handler(ctx) {
    const tree = await ctx.services.config.loadProfile(String(ctx.args.name), { dryRun: ctx.options.dryRun });
    if (ctx.options.dryRun) ctx.print(ConfigStore.format(tree).trimEnd() || '# the profile is empty');
    else ctx.logger.info(`Profile ${String(ctx.args.name)} loaded`);
  },
});

const dropProfile = defineCommand({
  name: 'drop-profile',
  description: 'Delete a saved profile',
  positionals: profileName,
  async handler(ctx) {
    await ctx.services.config.dropProfile(String(ctx.args.name));
    ctx.logger.info(`Profile ${String(ctx.args.name)} deleted`);
  },
});

/** `ktctl config …`: defaults for every flag, stored in ~/.kt/config, and named profiles of them. */
export const configCommand = defineCommand({
  name: 'config',
  description: 'Show and change default flag values (~/.kt/config) and profiles',
  subcommands: [show, get, set, unset, listProfile, saveProfile, loadProfile, dropProfile],
  examples: [
    ['ktctl config set global.namespace dev', 'use namespace "dev" unless -n says otherwise'],
    ['ktctl config save-profile staging', 'save the current defaults as profile "staging"'],
  ],
  handler() {
    throw new UsageError('Name a config subcommand', {
      code: ErrorCode.Usage,
      hint: 'Run "ktctl config --help" to list them',
    });
  },
});
