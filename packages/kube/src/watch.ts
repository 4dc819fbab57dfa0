import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient, ObjectRef } from './client.js';
import { objectPath } from './client.js';
import { KubeApiError, isStatus, type Action } from './errors.js';

/** One change of a watched collection. `ADDED` is also sent for each object present when the watch starts. */
export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: T;
}

export interface WatchOptions<T> {
  /** Extra query, e.g. `labelSelector=...` or `fieldSelector=metadata.name=web`. */
  query?: string;
  onEvent: (event: WatchEvent<T>) => void;
  /** Told about each interruption before the watch resumes (it never gives up while not stopped). */
  onInterrupt?: (err: unknown) => void;
  signal?: AbortSignal;
}

interface Listed {
  metadata: { resourceVersion?: string; name?: string };
}

/**
 * Watches a collection (a list, then a watch from its resourceVersion, resumed after each drop and
 * relisted when the server says the version is too old) until `signal` aborts. `exchange` uses it to
 * re-apply a Service someone edits, the hosts DNS mode to keep entries current.
 */
export async function watchObjects<T extends Listed>(client: KubeClient, ref: ObjectRef, options: WatchOptions<T>): Promise<void> {
  let version: string | undefined;
  let pause = 250;
  while (!options.signal?.aborted) {
    try {
      if (version === undefined) version = await listFrom(client, ref, options);
      version = await streamFrom(client, ref, version, options);
      pause = 250;
    } catch (err) {
      if (options.signal?.aborted) break;
      if (isStatus(err, 410)) version = undefined;
      options.onInterrupt?.(err);
      await sleep(pause, undefined, { signal: options.signal }).catch(() => undefined);
      pause = Math.min(pause * 2, 10_000);
    }
  }
}

async function listFrom<T extends Listed>(client: KubeClient, ref: ObjectRef, options: WatchOptions<T>): Promise<string> {
  const list = await client.list<T>(ref, options.query ?? '');
  for (const object of list.items) options.onEvent({ type: 'ADDED', object });
  return list.metadata?.resourceVersion ?? '';
}

/** Reads one watch response to its end; returns the version to resume from. */
async function streamFrom<T extends Listed>(
  client: KubeClient,
  ref: ObjectRef,
  version: string,
  options: WatchOptions<T>,
): Promise<string> {
  const query = [options.query, 'watch=1', 'allowWatchBookmarks=true', `resourceVersion=${encodeURIComponent(version)}`]
    .filter(Boolean)
    .join('&');
  const action = { verb: 'watch', resource: ref.resource, namespace: ref.namespace };
  const res = await client.transport.openStream(`${objectPath(ref)}?${query}`, action, options.signal);
  let buffered = '';
  for await (const chunk of res) {
    buffered += (chunk as Buffer).toString('utf8');
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line) version = handleLine<T>(line, version, options, action);
    }
  }
  return version;
}

function handleLine<T extends Listed>(line: string, version: string, options: WatchOptions<T>, action: Action): string {
  const event = JSON.parse(line) as { type: string; object: T & { code?: number; message?: string } };
  if (event.type === 'ERROR') {
    // 410 Gone: our version is too old; the loop relists.
    const code = event.object.code ?? 500;
    throw new KubeApiError(code, undefined, `watch failed: ${event.object.message ?? code}`, action);
  }
  const next = event.object.metadata?.resourceVersion ?? version;
  if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED')
    options.onEvent({ type: event.type, object: event.object });
  return next;
}
