import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { KubeConfig, loadYaml } from '@kubernetes/client-node';
import { ErrorCode, UserError } from '@ktctl/plugin-api';
import { userHome } from '@ktctl/config';

/** Where to read the kubeconfig from, as kubectl takes it. */
export interface KubeconfigOptions {
  /** `--kubeconfig`: this one file only. */
  kubeconfig?: string | undefined;
  /** `--context`: instead of the file's current-context. */
  context?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Where the in-cluster service-account files live (tests point it elsewhere). */
  serviceAccountDir?: string;
}

/** The kubeconfig fields client-node drops or resolves too early, for the current user and cluster. */
export interface KubeconfigExtras {
  /** `token-file`, re-read as it changes (absolute). */
  tokenFile?: string | undefined;
  /** `as-groups`, `as-uid`, `as-user-extra`. */
  impersonateGroups?: string[] | undefined;
  impersonateUid?: string | undefined;
  impersonateExtra?: Record<string, string[]> | undefined;
  /** The cluster's `extensions[client.authentication.k8s.io/exec].extension`, for provideClusterInfo. */
  execClusterConfig?: unknown;
  disableCompression?: boolean | undefined;
  /** True when this is the pod's own service account (no kubeconfig found). */
  inCluster?: boolean;
}

/** Where the kubelet mounts a pod's service-account token, CA and namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** A loaded kubeconfig with the chosen context and the namespace that context names (if any). */
export interface LoadedKubeconfig {
  readonly kubeConfig: KubeConfig;
  readonly context: string;
  /** The context's `namespace`, which kubectl uses when `-n` is absent. */
  readonly contextNamespace: string | undefined;
  readonly files: readonly string[];
  readonly extras: KubeconfigExtras;
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
  if (existing.length === 0 && !explicit) {
    // kubectl's fallback when no kubeconfig exists: the pod's own service account.
    const inCluster = inClusterConfig(options.env ?? process.env, options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
    if (inCluster) return inCluster;
  }
  if (existing.length === 0 || (explicit && !existsSync(files[0]!))) {
    const env = options.env ?? process.env;
    const saDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
    // In a pod whose service-account token is not mounted, say so: that is what is missing there.
    const inPod = !explicit && env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT;
    throw new UserError(
      ErrorCode.ClusterUnreachable,
      `No kubeconfig found (looked at ${files.join(', ') || '$KUBECONFIG'})${inPod ? ` and no service-account token at ${join(saDir, 'token')}` : ''}`,
      {
        hint: inPod
          ? "Mount the pod's service-account token (automountServiceAccountToken: true) or pass --kubeconfig <file>"
          : 'Pass --kubeconfig <file>, set KUBECONFIG, or create ~/.kube/config',
      },
    );
  }
  const read = existing.map(readOne);
  const merged = mergeFirstWins(read.map((r) => r.kc));
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
  const extras = extrasOf(read, ctx.cluster, ctx.user);
  return { kubeConfig: merged, context: ctx.name, contextNamespace: ctx.namespace || undefined, files: existing, extras };
}

interface RawNamed {
  name?: string;
  user?: Record<string, unknown>;
  cluster?: Record<string, unknown>;
}
interface ReadKubeconfig {
  kc: KubeConfig;
  file: string;
  raw: { users?: RawNamed[]; clusters?: RawNamed[] };
}

function readOne(file: string): ReadKubeconfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
    const raw = (loadYaml(readFileSync(file, 'utf8')) ?? {}) as ReadKubeconfig['raw'];
    return { kc, file, raw };
  } catch (err) {
    throw new UserError(ErrorCode.InvalidConfig, `Cannot read kubeconfig ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * What client-node loses of the chosen user and cluster, taken from the file that defined them first (the
 * one kubectl uses): token-file (re-read, not read once), impersonation beyond `as`, the exec cluster
 * extension; and an exec command with a path separator resolved against that file's folder, as kubectl does.
 */
function extrasOf(read: readonly ReadKubeconfig[], clusterName: string, userName: string | undefined): KubeconfigExtras {
  const extras: KubeconfigExtras = {};
  const userSource = userName ? read.find((r) => r.kc.getUser(userName)) : undefined;
  const rawUser = userSource?.raw.users?.find((u) => u.name === userName)?.user;
  if (userSource && rawUser) {
    const dir = dirname(userSource.file);
    const tokenFile = rawUser['token-file'];
    if (typeof tokenFile === 'string' && tokenFile && !rawUser.token)
      extras.tokenFile = isAbsolute(tokenFile) ? tokenFile : resolve(dir, tokenFile);
    if (Array.isArray(rawUser['as-groups'])) extras.impersonateGroups = rawUser['as-groups'] as string[];
    if (typeof rawUser['as-uid'] === 'string') extras.impersonateUid = rawUser['as-uid'];
    if (rawUser['as-user-extra'] && typeof rawUser['as-user-extra'] === 'object')
      extras.impersonateExtra = rawUser['as-user-extra'] as Record<string, string[]>;
    const user = userSource.kc.getUser(userName!);
    const exec = user?.exec as { command?: string } | undefined;
    if (exec?.command && !isAbsolute(exec.command) && exec.command.includes(sep)) exec.command = resolve(dir, exec.command);
  }
  const rawCluster = read.find((r) => r.kc.getCluster(clusterName))?.raw.clusters?.find((c) => c.name === clusterName)?.cluster;
  if (rawCluster) {
    if (rawCluster['disable-compression'] === true) extras.disableCompression = true;
    const ext = (rawCluster.extensions as { name?: string; extension?: unknown }[] | undefined)?.find(
      (e) => e?.name === 'client.authentication.k8s.io/exec',
    );
    if (ext) extras.execClusterConfig = ext.extension;
  }
  return extras;
}

/**
 * The in-cluster configuration client-go builds when there is no kubeconfig: KUBERNETES_SERVICE_HOST/PORT,
 * the mounted CA, the token file (re-read as the kubelet rotates it), and the pod's namespace
 * (POD_NAMESPACE first, as kubectl reads it). Undefined when this is not a pod.
 */
export function inClusterConfig(env: NodeJS.ProcessEnv, saDir = SERVICE_ACCOUNT_DIR): LoadedKubeconfig | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const tokenFile = join(saDir, 'token');
  if (!host || !port || !existsSync(tokenFile)) return undefined;
  const kc = new KubeConfig();
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let namespace = env.POD_NAMESPACE || undefined;
  if (!namespace) {
    try {
      namespace = readFileSync(join(saDir, 'namespace'), 'utf8').trim() || undefined;
    } catch {
      // No namespace file: default below.
    }
  }
  kc.loadFromOptions({
    clusters: [{ name: 'in-cluster', server, caFile: join(saDir, 'ca.crt'), skipTLSVerify: false }],
    users: [{ name: 'in-cluster' }],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'in-cluster', namespace }],
    currentContext: 'in-cluster',
  });
  return { kubeConfig: kc, context: 'in-cluster', contextNamespace: namespace, files: [], extras: { tokenFile, inCluster: true } };
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
