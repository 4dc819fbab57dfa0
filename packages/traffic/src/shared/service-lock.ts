import { ErrorCode, UserError } from '@ktctl/plugin-api';
import { CONTROLLED_BY_KT, Keys, isStatus, type KubeClient, type ObjectRef } from '@ktctl/kube';
import { findHolder, type KtPod } from './holder.js';
import { lockPatch, snapshot, unlockPatch, type ServiceOriginal, type ServiceState } from './service-selector.js';

export function serviceRef(client: KubeClient, name: string): ObjectRef {
  return { apiVersion: 'v1', resource: 'services', namespace: client.namespace, name };
}

/** ktctl's pods and Deployments in the namespace (shadows, routers), for the conflict check. */
export async function ktWorkloads(client: KubeClient): Promise<KtPod[]> {
  const query = `labelSelector=${encodeURIComponent(`${Keys.controlBy}=${CONTROLLED_BY_KT}`)}`;
  const ns = client.namespace;
  const [pods, deployments] = await Promise.all([
    client.list<KtPod>({ apiVersion: 'v1', resource: 'pods', namespace: ns }, query),
    client.list<KtPod>({ apiVersion: 'apps/v1', resource: 'deployments', namespace: ns }, query),
  ]);
  return [...pods.items, ...deployments.items];
}

/** Refuses, naming who, when the Service is already exchanged, meshed or being redirected. */
export async function refuseIfHeld(client: KubeClient, svc: ServiceState, command: string): Promise<void> {
  const holder = findHolder(svc, await ktWorkloads(client), await client.clusterUnixSeconds());
  if (!holder) return;
  const name = svc.metadata.name;
  throw new UserError(
    ErrorCode.AlreadyRedirected,
    `Service ${name} is already ${holder.what} by ${holder.user} (${holder.by}); ${command} changed nothing`,
    {
      hint: `Wait until they finish; if that run is dead, "ktctl recover ${name}" puts the Service back`,
    },
  );
}

/**
 * Takes the Service's `kt-lock`, conditional on the version just checked, so two laptops starting at once
 * cannot both win; the loser re-reads and is refused by name. Returns the snapshot to restore.
 */
export async function lockService(
  client: KubeClient,
  name: string,
  user: string,
  command: string,
  read: () => Promise<ServiceState>,
): Promise<{ original: ServiceOriginal; locked: ServiceState }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const svc = await read();
    await refuseIfHeld(client, svc, command);
    try {
      const res = await client.mergePatch<ServiceState>(serviceRef(client, name), lockPatch(svc, user, await client.clusterUnixSeconds()));
      return { original: snapshot(svc), locked: res.body };
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
    }
  }
  throw new UserError(ErrorCode.AlreadyRedirected, `Service ${name} keeps changing under ${command}; try again`);
}

/** Undoes lockService when nothing else was changed. */
export async function unlockService(client: KubeClient, name: string, original: ServiceOriginal): Promise<void> {
  await client.mergePatch(serviceRef(client, name), unlockPatch(original));
}
