import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ErrorCode, UsageError, UserError, type ConfigService, type ConfigTree, type FlagSpec } from '@ktctl/plugin-api';
import { parseFlagText } from './flag-values.js';
import { configFileSchema, configurableFlags, describeConfigIssues, type ConfigSections } from './schema.js';

const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Writes a file through a temporary sibling and a rename, so a crash never leaves half a file. */
export async function writeFileAtomic(path: string, content: string, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, content, { mode });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** ~/.kt/config and ~/.kt/profile/*, validated against the sections' flags. */
export class ConfigStore implements ConfigService {
  readonly path: string;
  private readonly profileDir: string;
  /** Sections set aside by the last read of each file, written back with it. */
  private readonly foreign = new Map<string, Record<string, unknown>>();

  constructor(
    ktHomeDir: string,
    readonly sections: ConfigSections,
    /** Told about sections no loaded command owns (an outside plugin that is gone): kept, not fatal. */
    private readonly onWarning: (message: string) => void = () => undefined,
  ) {
    this.path = join(ktHomeDir, 'config');
    this.profileDir = join(ktHomeDir, 'profile');
  }

  async read(): Promise<ConfigTree> {
    return this.readTree(this.path);
  }

  async get(key: string): Promise<unknown> {
    const [section, name] = this.splitKey(key);
    return (await this.read())[section]?.[name.name];
  }

  async set(key: string, value: string): Promise<void> {
    const [section, spec] = this.splitKey(key);
    const parsed = parseFlagText(spec, value);
    if ('problem' in parsed) {
      throw new UsageError(`Invalid value for ${key}: ${parsed.problem}`, {
        code: ErrorCode.InvalidConfig,
        hint: spec.choices ? `Allowed: ${spec.choices.join(', ')}` : `Run "ktctl config show --all" to see every key`,
      });
    }
    const tree = await this.read();
    tree[section] = { ...tree[section], [spec.name]: parsed.value };
    await this.write(this.path, tree);
  }

  async unset(key: string): Promise<void> {
    const [section, spec] = this.splitKey(key);
    const tree = await this.read();
    const rest = { ...tree[section] };
    delete rest[spec.name];
    if (Object.keys(rest).length === 0) delete tree[section];
    else tree[section] = rest;
    await this.write(this.path, tree);
  }

  async unsetAll(): Promise<void> {
    this.foreign.delete(this.path);
    await writeFileAtomic(this.path, '');
  }

  async listProfiles(): Promise<string[]> {
    const entries = await readdir(this.profileDir).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return [] as string[];
      throw e;
    });
    return entries.filter((n) => PROFILE_NAME.test(n)).sort();
  }

  async saveProfile(name: string): Promise<void> {
    await this.write(this.profilePath(name), await this.read(), this.path);
  }

  async loadProfile(name: string, options: { dryRun?: boolean } = {}): Promise<ConfigTree> {
    const path = await this.existingProfile(name);
    const tree = await this.readTree(path);
    if (!options.dryRun) await this.write(this.path, tree, path);
    return tree;
  }

  async dropProfile(name: string): Promise<void> {
    await rm(await this.existingProfile(name));
  }

  /** Serialises a tree the way the file stores it. */
  static format(tree: ConfigTree): string {
    return Object.keys(tree).length === 0 ? '' : stringify(tree);
  }

  private async readTree(path: string): Promise<ConfigTree> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    let raw: unknown;
    try {
      raw = parse(text) ?? {};
    } catch (error) {
      throw new UserError(ErrorCode.InvalidConfig, `${path} is not valid YAML: ${(error as Error).message.split('\n')[0]}`, {
        hint: `Fix the file or remove it ("ktctl config unset --all")`,
        cause: error,
      });
    }
    const { known, foreign } = this.splitSections(raw);
    this.foreign.set(path, foreign);
    const names = Object.keys(foreign);
    if (names.length) this.onWarning(`${path}: section ${names.join(', ')} belongs to no command (a removed plugin?); kept, not used`);
    const checked = configFileSchema(this.sections).safeParse(known);
    if (!checked.success) {
      throw new UserError(ErrorCode.InvalidConfig, describeConfigIssues(path, checked.error, this.sections).join('; '), {
        hint: `Fix the key with "ktctl config set/unset", or edit ${path}`,
      });
    }
    return checked.data;
  }

  /** Top-level sections no command owns are left aside, so one missing plugin does not break the file. */
  private splitSections(raw: unknown): { known: unknown; foreign: Record<string, unknown> } {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { known: raw, foreign: {} };
    const known: Record<string, unknown> = {};
    const foreign: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
      const isSection = typeof value === 'object' && value !== null && !Array.isArray(value);
      if (this.sections.has(key) || !isSection) known[key] = value;
      else foreign[key] = value;
    }
    return { known, foreign };
  }

  /** Writes a tree, with the foreign sections last read from `foreignOf` (the file it came from). */
  private async write(path: string, tree: ConfigTree, foreignOf = path): Promise<void> {
    const full = { ...tree, ...(this.foreign.get(foreignOf) ?? {}) } as ConfigTree;
    await writeFileAtomic(path, ConfigStore.format(full));
  }

  private splitKey(key: string): [string, FlagSpec] {
    const dot = key.indexOf('.');
    const section = dot < 0 ? '' : key.slice(0, dot);
    const name = key.slice(dot + 1);
    const flags = this.sections.get(section);
    const spec = flags && configurableFlags(flags).find((f) => f.name === name);
    if (!flags || !spec) {
      const hint = flags
        ? `Keys of ${section}: ${configurableFlags(flags)
            .map((f) => `${section}.${f.name}`)
            .join(', ')}`
        : `Keys look like <section>.<flag>; sections: ${[...this.sections.keys()].join(', ')}`;
      throw new UsageError(`Unknown config key "${key}"`, { code: ErrorCode.ConfigKeyUnknown, hint });
    }
    return [section, spec];
  }

  private profilePath(name: string): string {
    if (!PROFILE_NAME.test(name)) {
      throw new UsageError(`Invalid profile name "${name}"`, {
        code: ErrorCode.ProfileNameInvalid,
        hint: 'Use letters, digits, ".", "_" and "-" (at most 63, not starting with a symbol)',
      });
    }
    return join(this.profileDir, name);
  }

  private async existingProfile(name: string): Promise<string> {
    const path = this.profilePath(name);
    if (!(await this.listProfiles()).includes(name)) {
      const known = await this.listProfiles();
      throw new UserError(ErrorCode.ProfileNotFound, `No profile named "${name}"`, {
        hint: known.length ? `Profiles: ${known.join(', ')}` : 'Save one first with "ktctl config save-profile <name>"',
      });
    }
    return path;
  }
}
