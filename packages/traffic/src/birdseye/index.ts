/** `ktctl birdseye`'s service: who redirects which Service in a namespace, read with list rights only. */
import type { KubeClient } from '@ktctl/kube';
import { listSeen } from '../shared/restore.js';
import { buildBirdseye, type BirdseyeOptions, type BirdseyeView } from './view.js';

export { buildBirdseye, type BirdseyeHolder, type BirdseyeOptions, type BirdseyeService, type BirdseyeView } from './view.js';
export { describeHolder, birdseyeTable } from './text.js';

/**
 * Lists the namespace's Services and the `control-by=kt` pods and Deployments (ktctl's and KtConnect's),
 * reads cluster time, and builds the view; changes nothing. Needs list on services, pods and deployments.
 */
export async function birdseye(client: KubeClient, options: BirdseyeOptions = {}): Promise<BirdseyeView> {
  const [now, services, pods, deployments] = await Promise.all([
    client.clusterUnixSeconds(),
    listSeen(client, { apiVersion: 'v1', resource: 'services' }),
    listSeen(client, { apiVersion: 'v1', resource: 'pods' }, true),
    listSeen(client, { apiVersion: 'apps/v1', resource: 'deployments' }, true),
  ]);
  return buildBirdseye({ namespace: client.namespace, now, services, shadows: [...pods, ...deployments] }, options);
}
