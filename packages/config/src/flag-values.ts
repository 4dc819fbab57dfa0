import { z } from 'zod';
import type { FlagSpec } from '@ktctl/plugin-api';

/** `portForwardTimeout` → `port-forward-timeout`. */
export function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `portForwardTimeout` → `PORT_FORWARD_TIMEOUT`. */
export function screamingSnakeCase(name: string): string {
  return kebabCase(name).replace(/-/g, '_').toUpperCase();
}

function choicesSchema(spec: FlagSpec): z.ZodType<string> {
  const choices = spec.choices ?? [];
  const allowed = `one of ${choices.join(', ')}${spec.choicePrefix ? ' (optionally followed by :value)' : ''}`;
  return z.string().refine((v) => choices.includes(v) || (spec.choicePrefix === true && choices.includes(v.split(':')[0] ?? '')), {
    message: `expected ${allowed}`,
  });
}

function numberSchema(spec: FlagSpec): z.ZodType<number> {
  const { min, max, integer } = spec;
  const kind = integer ? 'a whole number' : 'a number';
  const range =
    min !== undefined && max !== undefined
      ? ` from ${min} to ${max}`
      : min !== undefined
        ? ` of at least ${min}`
        : max !== undefined
          ? ` up to ${max}`
          : '';
  return z
    .number({ error: 'expected a number' })
    .finite()
    .superRefine((v, ctx) => {
      if ((integer && !Number.isInteger(v)) || (min !== undefined && v < min) || (max !== undefined && v > max))
        ctx.addIssue({ code: 'custom', message: `expected ${kind}${range}, got ${v}` });
    });
}

/** Applies a flag's own check to a string (each item of a list). */
function checked<T extends z.ZodType<string>>(spec: FlagSpec, schema: T): z.ZodType<string> {
  const check = spec.check;
  if (!check) return schema;
  return schema.superRefine((v, ctx) => {
    const problem = check(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/** The zod schema of a flag's value as it appears in a typed source (the config file, parsed flags). */
export function flagValueSchema(spec: FlagSpec): z.ZodType {
  switch (spec.type) {
    case 'string':
      return checked(spec, spec.choices ? choicesSchema(spec) : z.string());
    case 'number':
      return numberSchema(spec);
    case 'boolean':
      return z.boolean({ error: 'expected true or false' });
    case 'string[]':
      return z.array(checked(spec, z.string()), { error: 'expected a list of strings' });
  }
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** Turns text (an environment variable, `config set`'s value) into a flag value, or says why it cannot. */
export function parseFlagText(spec: FlagSpec, text: string): { value: unknown } | { problem: string } {
  let value: unknown = text;
  if (spec.type === 'number') {
    value = text.trim() === '' ? Number.NaN : Number(text);
    if (!Number.isFinite(value)) return { problem: `expected a number, got "${text}"` };
  } else if (spec.type === 'boolean') {
    const lower = text.toLowerCase();
    if (TRUE.has(lower)) value = true;
    else if (FALSE.has(lower)) value = false;
    else return { problem: `expected true or false, got "${text}"` };
  } else if (spec.type === 'string[]') {
    value = text === '' ? [] : text.split(',').map((s) => s.trim());
  }
  const checked = flagValueSchema(spec).safeParse(value);
  return checked.success ? { value: checked.data } : { problem: checked.error.issues[0]?.message ?? 'invalid value' };
}
