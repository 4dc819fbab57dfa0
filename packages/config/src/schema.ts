import { z } from 'zod';
import type { FlagSpec } from '@ktctl/plugin-api';
import { flagValueSchema } from './flag-values.js';

/** The flags each config-file section may set: `global` plus one section per command. */
export type ConfigSections = ReadonlyMap<string, readonly FlagSpec[]>;

/** Only flags marked configurable (the default) may live in the config file. */
export function configurableFlags(flags: readonly FlagSpec[]): FlagSpec[] {
  return flags.filter((f) => f.configurable !== false);
}

/** The strict zod schema of ~/.kt/config (and of each profile) for the given sections. */
export function configFileSchema(sections: ConfigSections): z.ZodType<Record<string, Record<string, unknown>>> {
  const shape: Record<string, z.ZodType> = {};
  for (const [section, flags] of sections) {
    const fields: Record<string, z.ZodType> = {};
    for (const spec of configurableFlags(flags)) fields[spec.name] = flagValueSchema(spec).optional();
    shape[section] = z.strictObject(fields).optional();
  }
  return z.strictObject(shape) as unknown as z.ZodType<Record<string, Record<string, unknown>>>;
}

/** One line per problem: `<file>: <key.path>: <what is wrong>`, naming what is allowed for unknown keys. */
export function describeConfigIssues(file: string, error: z.ZodError, sections: ConfigSections): string[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const at = issue.path.map(String);
      const allowed = at.length === 0 ? [...sections.keys()] : configurableFlags(sections.get(at[0] ?? '') ?? []).map((f) => f.name);
      return issue.keys.map((k) => `${file}: ${[...at, k].join('.')}: unknown key (allowed: ${allowed.join(', ')})`).join('\n');
    }
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    return `${file}: ${where}: ${issue.message}`;
  });
}
