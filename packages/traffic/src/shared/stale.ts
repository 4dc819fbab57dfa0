// Light on purpose (no cluster code): clean's flag default is read when the command module loads.

/**
 * Seconds without a heartbeat (cluster time) after which ktctl's object, redirect or `kt-lock` belongs to a
 * dead run: clean's default threshold, what connect cleans on start, and when recover and the conflict
 * check stop calling an owner live. Heartbeats come every 2 minutes, so this misses two of them.
 */
export const STALE_AFTER_SECONDS = 300;

/** Seconds since an object's owner last proved alive (cluster time): its heartbeat (or `key`), else its creation. */
export function secondsSilent(
  object: { readonly annotations: Readonly<Record<string, string>>; readonly createdAt?: number },
  now: number,
  key = 'kt-last-heart-beat',
): number {
  const beat = Number(object.annotations[key]);
  return now - (Number.isFinite(beat) && beat > 0 ? beat : (object.createdAt ?? 0));
}
