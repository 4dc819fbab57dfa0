import type { CommandDefinition, FlagSpec, PositionalSpec } from '@ktctl/plugin-api';

/**
 * What the shell scripts receive from `ktctl __complete <words...>`: cobra's protocol (the one kubectl
 * uses for its plugins' `kubectl_complete-<name>`), so `kubectl kt <TAB>` works through kubectl's own
 * completion too. One candidate per line (`value<TAB>description`), then `:<directive>`.
 */
export const Directive = {
  Default: 0,
  Error: 1,
  /** The shell adds no space after the candidate (a `--flag=` prefix). */
  NoSpace: 2,
  /** No file names when there is no candidate. */
  NoFileComp: 4,
} as const;

export interface Candidate {
  readonly value: string;
  readonly description?: string;
}

export interface Completion {
  readonly candidates: readonly Candidate[];
  readonly directive: number;
}

/** What the cluster can tell, best-effort: each call may fail or time out, which means "no candidates". */
export interface ClusterNames {
  namespaces(target: ClusterTarget): Promise<string[]>;
  services(target: ClusterTarget): Promise<string[]>;
}

/** The cluster flags typed on the command line so far (`-n`, `--kubeconfig`, `--context`). */
export interface ClusterTarget {
  readonly namespace?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
}

export interface CompletionTree {
  readonly commands: readonly CommandDefinition<any>[];
  readonly globalFlags: readonly FlagSpec[];
  readonly cluster?: ClusterNames;
}

/** Positionals that name a Service in the namespace. */
const SERVICE_POSITIONALS = new Set(['target', 'service']);

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function findFlag(flags: readonly FlagSpec[], word: string): FlagSpec | undefined {
  if (word.startsWith('--')) {
    const name = word.slice(2);
    const bare = name.startsWith('no-') ? name.slice(3) : name;
    return flags.find(
      (f) => f.name === name || kebab(f.name) === name || (f.type === 'boolean' && (f.name === bare || kebab(f.name) === bare)),
    );
  }
  if (/^-[a-zA-Z]$/.test(word)) return flags.find((f) => f.alias === word.slice(1));
  return undefined;
}

function visible(defs: readonly CommandDefinition<any>[]): CommandDefinition<any>[] {
  return defs.filter((d) => !d.name.startsWith('_'));
}

interface Walk {
  path: CommandDefinition<any>[];
  flags: FlagSpec[];
  positionalsSeen: number;
  target: { namespace?: string; kubeconfig?: string; context?: string };
  afterDashDash: boolean;
}

/** Reads the words before the current one: which command they select, its flags, the values given. */
function walk(words: readonly string[], tree: CompletionTree): Walk & { pendingFlag?: FlagSpec } {
  const state: Walk = { path: [], flags: [...tree.globalFlags], positionalsSeen: 0, target: {}, afterDashDash: false };
  let pendingFlag: FlagSpec | undefined;
  for (const word of words) {
    if (pendingFlag) {
      remember(state, pendingFlag, word);
      pendingFlag = undefined;
      continue;
    }
    if (state.afterDashDash) continue;
    if (word === '--') {
      state.afterDashDash = true;
      continue;
    }
    if (word.startsWith('-')) {
      const [name, value] = word.split(/=(.*)/s) as [string, string | undefined];
      const spec = findFlag(state.flags, name);
      if (spec && spec.type !== 'boolean') {
        if (value === undefined) pendingFlag = spec;
        else remember(state, spec, value);
      }
      continue;
    }
    const level = state.path.length ? (state.path[state.path.length - 1]!.subcommands ?? []) : tree.commands;
    const child = state.positionalsSeen === 0 ? level.find((c) => c.name === word || (c.aliases ?? []).includes(word)) : undefined;
    if (child) {
      state.path.push(child);
      state.flags.unshift(...(child.flags ?? []));
    } else state.positionalsSeen++;
  }
  return pendingFlag ? { ...state, pendingFlag } : state;
}

function remember(state: Walk, spec: FlagSpec, value: string): void {
  if (spec.name === 'namespace' || spec.name === 'kubeconfig' || spec.name === 'context') state.target[spec.name] = value;
}

/** Resolves a promise of names within `ms`; anything slower or failing gives no names. */
async function bounded(names: Promise<string[]> | undefined, ms: number): Promise<string[]> {
  if (!names) return [];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string[]>((resolve) => {
    timer = setTimeout(() => resolve([]), ms);
  });
  try {
    return await Promise.race([names.catch(() => []), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function flagValues(spec: FlagSpec, prefix: string, walked: Walk, tree: CompletionTree, timeoutMs: number): Promise<Completion> {
  if (spec.choices) {
    const candidates = spec.choices.map((c) => ({ value: `${prefix}${c}` }));
    return { candidates, directive: Directive.NoFileComp };
  }
  if (spec.name === 'namespace') {
    const names = await bounded(tree.cluster?.namespaces(walked.target), timeoutMs);
    return { candidates: names.map((n) => ({ value: `${prefix}${n}` })), directive: Directive.NoFileComp };
  }
  // A path (--kubeconfig) or a free value: let the shell offer file names.
  return { candidates: [], directive: Directive.Default };
}

function flagCandidates(flags: readonly FlagSpec[], current: string): Candidate[] {
  const seen = new Set<string>();
  const out: Candidate[] = [];
  for (const f of [...flags, { name: 'help', type: 'boolean', description: 'Show help' } as FlagSpec]) {
    if (f.hidden || seen.has(f.name)) continue;
    seen.add(f.name);
    // The camelCase spelling is the one offered; the kebab one only once the user started typing it.
    const spelling = `--${f.name}`.startsWith(current) ? `--${f.name}` : `--${kebab(f.name)}`;
    out.push({ value: spelling, description: f.description });
  }
  return out;
}

function positionalAt(leaf: CommandDefinition<any> | undefined, index: number): PositionalSpec | undefined {
  const list = leaf?.positionals ?? [];
  const last = list[list.length - 1];
  return list[index] ?? (last?.variadic ? last : undefined);
}

/**
 * Completes the last word of `words` (the words after the program name; the last is the one being
 * typed, possibly empty): commands, flags, flag values with choices, namespaces and Service names.
 */
export async function complete(words: readonly string[], tree: CompletionTree, timeoutMs = 1500): Promise<Completion> {
  const current = words[words.length - 1] ?? '';
  const walked = walk(words.slice(0, -1), tree);
  const filter = (c: Completion): Completion => ({ ...c, candidates: c.candidates.filter((x) => x.value.startsWith(current)) });
  if (walked.afterDashDash) return { candidates: [], directive: Directive.Default };
  if (walked.pendingFlag) return filter(await flagValues(walked.pendingFlag, '', walked, tree, timeoutMs));
  const leaf = walked.path[walked.path.length - 1];
  if (current.startsWith('-')) {
    const eq = current.indexOf('=');
    if (eq > 0) {
      const spec = findFlag(walked.flags, current.slice(0, eq));
      if (!spec || spec.type === 'boolean') return { candidates: [], directive: Directive.NoFileComp };
      return filter(await flagValues(spec, current.slice(0, eq + 1), walked, tree, timeoutMs));
    }
    return filter({ candidates: flagCandidates(walked.flags, current), directive: Directive.NoFileComp });
  }
  const level = leaf ? (leaf.subcommands ?? []) : tree.commands;
  if (level.length && walked.positionalsSeen === 0) {
    return filter({
      candidates: visible(level).map((c) => ({ value: c.name, description: c.description })),
      directive: Directive.NoFileComp,
    });
  }
  const positional = positionalAt(leaf, walked.positionalsSeen);
  if (positional && SERVICE_POSITIONALS.has(positional.name) && leaf?.name !== 'preview') {
    const names = await bounded(tree.cluster?.services(walked.target), timeoutMs);
    return filter({ candidates: names.map((n) => ({ value: n })), directive: Directive.NoFileComp });
  }
  if (leaf?.name === 'completion' && walked.positionalsSeen === 0) {
    return filter({ candidates: SHELLS.map((s) => ({ value: s })), directive: Directive.NoFileComp });
  }
  return { candidates: [], directive: leaf?.passthrough ? Directive.Default : Directive.NoFileComp };
}

export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;
export type Shell = (typeof SHELLS)[number];

/** The `__complete` output: cobra's format. */
export function formatCompletion(completion: Completion): string {
  const lines = completion.candidates.map((c) => (c.description ? `${c.value}\t${c.description.replace(/\s+/g, ' ')}` : c.value));
  return `${[...lines, `:${completion.directive}`].join('\n')}\n`;
}
