import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ErrorCode, UserError } from '@ktctl/plugin-api';
import { userHome } from '@ktctl/config';

/** Where to read the kubeconfig from, as kubectl takes it. */
export interface KubeconfigOptions {
  /** `--kubeconfig`: this one file only. */
  kubeconfig?: string | undefined;
  /** `--context`: instead of the file's current-context. */
  context?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/** A loaded kubeconfig with the chosen context and the namespace that context names (if any). */
export interface LoadedKubeconfig {
  readonly kubeConfig: KubeConfig;
  readonly context: string;
  /** The context's `namespace`, which kubectl uses when `-n` is absent. */
  readonly contextNamespace: string | undefined;
  readonly files: readonly string[];
}

/** The files kubectl would read: `--kubeconfig`, else every existing file of $KUBECONFIG, else ~/.kube/config. */
export function kubeconfigFiles(options: KubeconfigOptions): string[] {
  const env = options.env ?? process.env;
  if (options.kubeconfig) return [options.kubeconfig];
  if (env.KUBECONFIG) return env.KUBECONFIG.split(delimiter).filter((f) => f && existsSync(f));
  return [join(userHome(env), '.kube', 'config')];
}

/** Loads and merges kubeconfig files the way kubectl does, then selects the context. */
export function loadKubeconfig(options: KubeconfigOptions = {}): LoadedKubeconfig {
  const files = kubeconfigFiles(options);
  const explicit = Boolean(options.kubeconfig);
  const existing = files.filter((f) => existsSync(f));
  if (existing.length === 0 || (explicit && !existsSync(files[0]!))) {
    throw new UserError(ErrorCode.ClusterUnreachable, `No kubeconfig found (looked at ${files.join(', ') || '$KUBECONFIG'})`, {
      hint: 'Pass --kubeconfig <file>, set KUBECONFIG, or create ~/.kube/config',
    });
  }
  const merged = mergeFirstWins(existing.map(readOne));
  const context = options.context || merged.currentContext;
  const ctx = context ? merged.getContextObject(context) : null;
  if (!ctx) {
    const known = merged.getContexts().map((c) => c.name);
    throw new UserError(
      ErrorCode.InvalidConfig,
      context ? `Context "${context}" not found in ${existing.join(', ')}` : `No current context in ${existing.join(', ')}`,
      {
        hint: known.length ? `Use --context with one of: ${known.join(', ')}` : 'Add a context to your kubeconfig',
      },
    );
  }
  merged.setCurrentContext(ctx.name);
  return { kubeConfig: merged, context: ctx.name, contextNamespace: ctx.namespace || undefined, files: existing };
}

function readOne(file: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (err) {
    throw new UserError(ErrorCode.InvalidConfig, `Cannot read kubeconfig ${file}: ${(err as Error).message}`, { cause: err });
  }
  return kc;
}

/**
 * kubectl's merge: the first file to define a cluster, user or context wins, and so does the first
 * current-context. client-node's own merge throws on duplicates and lets the last current-context win.
 */
export function mergeFirstWins(configs: readonly KubeConfig[]): KubeConfig {
  const out = new KubeConfig();
  out.clusters = [];
  out.users = [];
  out.contexts = [];
  out.currentContext = '';
  for (const kc of configs) {
    if (!out.currentContext && kc.currentContext) out.currentContext = kc.currentContext;
    for (const c of kc.clusters ?? []) if (!out.getCluster(c.name)) out.clusters.push(c);
    for (const u of kc.users ?? []) if (!out.getUser(u.name)) out.users.push(u);
    for (const c of kc.contexts ?? []) if (!out.getContextObject(c.name)) out.contexts.push(c);
  }
  return out;
}
