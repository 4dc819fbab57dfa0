import https from 'node:https';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient } from '@ktctl/kube';
import type { ServiceEvent, StopWatching, WatchedService, WatchServices } from '@ktctl/dns';

interface ServiceObject {
  metadata: { name: string; namespace: string };
  spec?: { type?: string; clusterIP?: string; ports?: { name?: string; port: number; protocol?: string }[] };
}

/** Maps a Kubernetes Service to what hosts mode needs. */
export function watchedService(object: ServiceObject): WatchedService {
  const clusterIP = object.spec?.clusterIP;
  return {
    name: object.metadata.name,
    namespace: object.metadata.namespace,
    ...(object.spec?.type ? { type: object.spec.type } : {}),
    ...(clusterIP ? { clusterIP } : {}),
    headless: clusterIP === 'None',
    ports: (object.spec?.ports ?? []).map((p) => ({
      port: p.port,
      ...(p.name ? { name: p.name } : {}),
      ...(p.protocol ? { protocol: p.protocol } : {}),
    })),
  };
}

/** Applies the lines of a watch response (one JSON event per line) as they arrive. */
function readEvents(response: http.IncomingMessage, namespace: string, onChange: (e: ServiceEvent) => void): Promise<void> {
  let pending = '';
  return new Promise((resolve, reject) => {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      pending += chunk;
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
        const line = pending.slice(0, end).trim();
        pending = pending.slice(end + 1);
        if (!line) continue;
        const event = JSON.parse(line) as { type: string; object: ServiceObject };
        if (event.type === 'ADDED' || event.type === 'MODIFIED') onChange({ type: 'upsert', service: watchedService(event.object) });
        else if (event.type === 'DELETED') onChange({ type: 'delete', namespace, name: event.object.metadata.name });
        else if (event.type === 'ERROR') reject(new Error('watch expired'));
      }
    });
    response.once('end', resolve);
    response.once('error', reject);
  });
}

/** Lists, then watches from that version; relists after the watch ends (the server closes them every few minutes). */
async function followNamespace(
  client: KubeClient,
  namespace: string,
  onChange: (e: ServiceEvent) => void,
  stopped: AbortSignal,
  first: () => void,
): Promise<void> {
  while (!stopped.aborted) {
    try {
      const list = await client.list<ServiceObject>({ apiVersion: 'v1', resource: 'services', namespace });
      onChange({
        type: 'reset',
        namespace,
        services: list.items.map((s) => watchedService({ ...s, metadata: { ...s.metadata, namespace } })),
      });
      first();
      const version = list.metadata?.resourceVersion ?? '';
      const url = new URL(
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/services?watch=1&allowWatchBookmarks=true&resourceVersion=${version}`,
        client.server,
      );
      const options = await client.transport.connectOptions();
      const lib = url.protocol === 'http:' ? http : https;
      const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const request = lib.get(url, { ...options, signal: stopped }, resolve);
        request.once('error', reject);
      });
      if (response.statusCode !== 200) throw new Error(`watch answered ${response.statusCode}`);
      await readEvents(response, namespace, onChange);
    } catch (error) {
      if (stopped.aborted) return;
      first();
      await sleep(2_000, undefined, { signal: stopped }).catch(() => undefined);
    }
  }
}

/** Kubernetes list+watch of Services, for hosts mode; resolves once every namespace was listed once (or failed once). */
export function serviceWatcher(client: KubeClient): WatchServices {
  return async (namespaces, onChange): Promise<StopWatching> => {
    const stop = new AbortController();
    await Promise.all(
      namespaces.map((ns) => new Promise<void>((listed) => void followNamespace(client, ns, onChange, stop.signal, listed))),
    );
    return () => stop.abort();
  };
}
