import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, UserError, type Logger } from '@ktctl/plugin-api';
import { CONTROLLED_BY_KT, Heartbeat, Keys, formatKeyValues, parseKeyValues, type KubeClient, type ObjectRef } from '@ktctl/kube';
import { selects } from './service-selector.js';

export interface DeploymentState {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { replicas?: number; template?: { metadata?: { labels?: Record<string, string> } } };
  status?: { readyReplicas?: number; replicas?: number; updatedReplicas?: number };
}

/** A Deployment scale mode took down, and the count it had. */
export interface ScaledDeployment {
  readonly ref: ObjectRef;
  readonly replicas: number;
}

/** Annotations scale mode puts on a Deployment; restore removes them. */
export const SCALE_ANNOTATIONS = [Keys.config, Keys.user, Keys.lastHeartBeat] as const;

function deploymentRef(namespace: string, name: string): ObjectRef {
  return { apiVersion: 'apps/v1', resource: 'deployments', namespace, name };
}

/** The Deployments whose pods the selector picks (by their pod template's labels). */
export async function deploymentsBehind(client: KubeClient, selector: Readonly<Record<string, string>>): Promise<DeploymentState[]> {
  const list = await client.list<DeploymentState>({ apiVersion: 'apps/v1', resource: 'deployments', namespace: client.namespace });
  return list.items.filter(
    (d) => selects(selector, d.spec.template?.metadata?.labels) && d.metadata.labels?.[Keys.controlBy] !== CONTROLLED_BY_KT,
  );
}

/** The count a Deployment had before scale mode took it down (`kt-config: replicas=<n>`), if it carries one. */
export function recordedReplicas(deployment: { metadata: { annotations?: Readonly<Record<string, string>> } }): number | undefined {
  try {
    const value = parseKeyValues(deployment.metadata.annotations?.[Keys.config]).replicas;
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Scales each Deployment to 0, first recording its count, the user and a heartbeat on it, so that
 * `recover` and `clean` can scale it back if this run dies. Each one is added to `scaled` (and to the
 * heartbeat) as soon as it is down, so a failure half-way still undoes exactly what was done.
 */
export async function scaleDown(
  client: KubeClient,
  deployments: readonly DeploymentState[],
  user: string,
  scaled: ScaledDeployment[],
  heartbeat: Heartbeat,
): Promise<void> {
  for (const d of deployments) {
    const ref = deploymentRef(client.namespace, d.metadata.name);
    const replicas = d.spec.replicas ?? 1;
    const annotations = {
      [Keys.config]: formatKeyValues({ replicas }),
      [Keys.user]: user,
      [Keys.lastHeartBeat]: String(await client.clusterUnixSeconds()),
    };
    await client.mergePatch(ref, { metadata: { annotations }, spec: { replicas: 0 } });
    scaled.push({ ref, replicas });
    heartbeat.add(ref);
  }
  heartbeat.start();
}

/** Puts a Deployment's count back and removes what scale mode wrote on it. */
export async function scaleBack(client: KubeClient, ref: ObjectRef, replicas: number): Promise<void> {
  const annotations = Object.fromEntries(SCALE_ANNOTATIONS.map((k) => [k, null]));
  await client.mergePatch(ref, { metadata: { annotations }, spec: { replicas } });
}

/**
 * Waits (up to `timeoutSeconds`) until each Deployment has its replicas ready again, reporting progress;
 * an aborted `signal` skips the wait (the counts are already back). Returns false when it timed out.
 */
export async function waitForReplicas(
  client: KubeClient,
  scaled: readonly ScaledDeployment[],
  timeoutSeconds: number,
  onProgress: (detail: string) => void,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const states = await Promise.all(scaled.map(async (s) => ({ s, d: await client.find<DeploymentState>(s.ref) })));
    const pending = states.filter(({ s, d }) => d && (d.status?.readyReplicas ?? 0) < s.replicas);
    if (!pending.length) return true;
    onProgress(pending.map(({ s, d }) => `${s.ref.name} ${d?.status?.readyReplicas ?? 0}/${s.replicas} ready`).join(', '));
    if (Date.now() > deadline || signal?.aborted) return false;
    await sleep(1000, undefined, { signal }).catch(() => undefined);
  }
}

/** Refuses scale mode for a Service with no Deployment behind it. */
export function requireDeployments(service: string, deployments: readonly DeploymentState[]): void {
  if (deployments.length === 0) {
    throw new UserError(ErrorCode.NotFound, `No Deployment runs the pods of Service ${service}, so scale mode has nothing to scale`, {
      hint: 'Use --mode selector (the default)',
    });
  }
}
