import { ErrorCode, UsageError, type ConfigTree, type FlagSpec, type OptionSource } from '@ktctl/plugin-api';
import { flagValueSchema, parseFlagText, screamingSnakeCase } from './flag-values.js';
import { GLOBAL_SECTION } from './global-flags.js';

/** The KT_* variable that feeds a flag: KT_<FLAG> for global flags, KT_<COMMAND>_<FLAG> for a command's. */
export function envVarName(section: string, spec: FlagSpec): string {
  return section === GLOBAL_SECTION
    ? `KT_${screamingSnakeCase(spec.name)}`
    : `KT_${screamingSnakeCase(section)}_${screamingSnakeCase(spec.name)}`;
}

export interface ResolveInput {
  /** Flag groups by config section: `global` and the command's own section. */
  readonly groups: ReadonlyArray<{ section: string; flags: readonly FlagSpec[] }>;
  readonly configFile: ConfigTree;
  readonly configPath: string;
  readonly env: NodeJS.ProcessEnv;
  /** Values given on the command line (undefined when not given). */
  readonly given: Readonly<Record<string, unknown>>;
}

export interface ResolvedOptions {
  readonly options: Record<string, unknown>;
  readonly sources: Record<string, OptionSource>;
}

/** Resolves each flag: its default, then the config file, then its KT_* variable, then the command line. */
export function resolveOptions(input: ResolveInput): ResolvedOptions {
  const options: Record<string, unknown> = {};
  const sources: Record<string, OptionSource> = {};
  const take = (name: string, value: unknown, source: OptionSource): void => {
    options[name] = value;
    sources[name] = source;
  };
  for (const { section, flags } of input.groups) {
    for (const spec of flags) {
      if (spec.default !== undefined) take(spec.name, spec.default, 'default');
      const configurable = spec.configurable !== false;
      const fromFile = configurable ? input.configFile[section]?.[spec.name] : undefined;
      if (fromFile !== undefined) take(spec.name, fromFile, 'config');
      const envName = envVarName(section, spec);
      const fromEnv = configurable ? input.env[envName] : undefined;
      if (fromEnv !== undefined) {
        const parsed = parseFlagText(spec, fromEnv);
        if ('problem' in parsed) throw invalid(`${envName}=${fromEnv}`, parsed.problem, `unset ${envName} or fix its value`);
        take(spec.name, parsed.value, 'env');
      }
      const fromFlag = input.given[spec.name];
      if (fromFlag !== undefined) {
        const checked = flagValueSchema(spec).safeParse(fromFlag);
        if (!checked.success)
          throw invalid(`--${spec.name}`, checked.error.issues[0]?.message ?? 'invalid', `see "ktctl <command> --help"`);
        take(spec.name, checked.data, 'flag');
      }
    }
  }
  return { options, sources };
}

function invalid(where: string, problem: string, hint: string): UsageError {
  return new UsageError(`Invalid value ${where}: ${problem}`, {
    code: ErrorCode.InvalidFlag,
    hint: hint[0]!.toUpperCase() + hint.slice(1),
  });
}
