// Waiting for the router pod: ready means its /healthz answers (its readiness probe), so a Service pointed
// at it has an endpoint that routes.
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, UserError } from '@ktctl/plugin-api';
import { assessPod, type KubeClient, type ObjectRef } from '@ktctl/kube';

type PodView = Parameters<typeof assessPod>[0] & { metadata: { deletionTimestamp?: string } };

/** Waits (bounded) until the router pod is ready; fails at once when its image cannot be pulled. */
export async function waitRouterReady(client: KubeClient, ref: ObjectRef, timeoutSeconds: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = 'not created yet';
  while (Date.now() < deadline && !signal?.aborted) {
    const pod = await client.find<PodView>(ref);
    if (pod && !pod.metadata.deletionTimestamp) {
      const seen = assessPod(pod);
      if (seen.ready) return;
      if (seen.failure === 'image-pull') {
        const image = pod.spec?.containers?.[0]?.image ?? '?';
        throw new UserError(ErrorCode.ImagePullFailed, `The cluster cannot pull the router image ${image} (${seen.failureDetail ?? ''})`, {
          hint: 'Set --routerImage (an image with the ktctl router, by default the shadow image) or --imageRegistry',
        });
      }
      last = seen.phases.at(-1)?.detail ?? pod.status?.phase ?? 'pending';
    }
    await sleep(500, undefined, { signal }).catch(() => undefined);
  }
  if (signal?.aborted) throw new UserError(ErrorCode.Cancelled, `Cancelled while starting router ${ref.name}`);
  throw new UserError(ErrorCode.PodNotReady, `Router pod ${ref.name} was not ready within ${timeoutSeconds}s (${last})`, {
    hint: `Raise --podCreationTimeout, or check it: kubectl describe pod ${ref.name}`,
  });
}

/** Waits (bounded) until a deleted pod is really gone, so one of the same name can be created. */
export async function waitGone(client: KubeClient, ref: ObjectRef, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && (await client.find(ref))) await sleep(250);
}
