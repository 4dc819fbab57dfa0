// The Service's kt-lock for mesh joins and leaves. Unlike exchange, a Service meshed by others is not
// refused (joining them is the point), and a lock held by another participant is waited out: their join or
// leave takes seconds. The lock is taken by a patch conditional on the version read, so of two laptops
// locking at once one wins and the other reads again.
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, UserError } from '@ktctl/plugin-api';
import { Keys, isStatus, stuntmanName, type KubeClient } from '@ktctl/kube';
import { findHolder } from '../shared/holder.js';
import { ktWorkloads, serviceRef } from '../shared/service-lock.js';
import { lockPatch, type ServiceState } from '../shared/service-selector.js';
import { STALE_AFTER_SECONDS } from '../shared/stale.js';

/** A held kt-lock: the Service as locked, and how to let go (putting back the kt-user it replaced). */
export interface MeshLock {
  readonly service: ServiceState;
  release(): Promise<void>;
}

export interface LockOptions {
  /** How long to wait for another participant's lock (default 60 s). */
  readonly waitMs?: number;
  readonly signal?: AbortSignal;
}

/** The user and age of a fresh lock on the Service, if one is held. */
function freshLock(svc: ServiceState, now: number): { user: string; age: number } | undefined {
  const value = svc.metadata.annotations?.[Keys.lock];
  const at = Number(value);
  if (value === undefined || !Number.isFinite(at) || now - at >= STALE_AFTER_SECONDS) return undefined;
  return { user: svc.metadata.annotations?.[Keys.user] ?? 'an unknown user', age: Math.max(0, now - at) };
}

/** Refuses a Service that someone exchanged: mesh and exchange cannot share it. */
export async function refuseIfExchanged(client: KubeClient, svc: ServiceState, now: number): Promise<void> {
  const holder = findHolder(svc, await ktWorkloads(client), now);
  if (holder?.what !== 'exchanged') return;
  const name = svc.metadata.name;
  // Redirected to a pod that is gone: a mesh whose router was deleted (its stuntman says so) is joined, not refused.
  if (svc.spec.selector?.[Keys.target] !== undefined && (await client.find(serviceRef(client, stuntmanName(name))))) return;
  throw new UserError(
    ErrorCode.AlreadyRedirected,
    `Service ${name} is already exchanged by ${holder.user} (${holder.by}); mesh changed nothing`,
    {
      hint: `Wait until they finish; if that run is dead, "ktctl recover ${name}" puts the Service back`,
    },
  );
}

/** Takes the Service's kt-lock for a join or leave, waiting (bounded) while another participant holds it. */
export async function lockForMesh(client: KubeClient, name: string, user: string, options: LockOptions = {}): Promise<MeshLock> {
  const ref = serviceRef(client, name);
  const deadline = Date.now() + (options.waitMs ?? 60_000);
  let holder: { user: string; age: number } | undefined;
  while (!options.signal?.aborted) {
    const svc = await client.get<ServiceState>(ref);
    const now = await client.clusterUnixSeconds();
    await refuseIfExchanged(client, svc, now);
    holder = freshLock(svc, now);
    if (!holder) {
      try {
        const locked = await client.mergePatch<ServiceState>(ref, lockPatch(svc, user, now));
        const before = svc.metadata.annotations?.[Keys.user] ?? null;
        return {
          service: locked.body,
          release: () =>
            client.mergePatch(ref, { metadata: { annotations: { [Keys.lock]: null, [Keys.user]: before } } }).then(() => undefined),
        };
      } catch (error) {
        if (!isStatus(error, 409)) throw error;
        continue; // someone changed the Service between our read and our write: read again
      }
    }
    if (Date.now() > deadline) break;
    await sleep(250 + Math.floor(Math.random() * 250), undefined, { signal: options.signal }).catch(() => undefined);
  }
  if (options.signal?.aborted)
    throw new UserError(ErrorCode.Cancelled, `Cancelled while waiting for the kt-lock on service ${name}; nothing was changed`);
  throw new UserError(
    ErrorCode.AlreadyRedirected,
    `Service ${name} stayed locked by ${holder?.user ?? 'someone'} (kt-lock set ${holder?.age ?? '?'} s ago)`,
    {
      hint: `If that run is dead, "ktctl clean" releases its lock once 5 minutes old, or "ktctl recover ${name}" at once`,
    },
  );
}
