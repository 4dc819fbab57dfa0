import type { KubeConfig } from '@kubernetes/client-node';
import { ErrorCode, UserError } from '@ktctl/plugin-api';
import { isStatus, type Action } from './errors.js';
import { loadKubeconfig, type KubeconfigOptions } from './kubeconfig.js';
import { ApiTransport, type ApiResponse } from './transport.js';

/** The global flags the client honours (a subset of @ktctl/config's global options). */
export interface KubeClientOptions extends KubeconfigOptions {
  /** `--namespace`; falls back to the context's namespace, then `default`. */
  namespace?: string | undefined;
}

/** Where an object lives: core (`v1`) or a group (`apps/v1`), its plural resource, namespace and name. */
export interface ObjectRef {
  apiVersion: string;
  resource: string;
  namespace?: string | undefined;
  name?: string | undefined;
  subresource?: string | undefined;
}

/** How a deletion goes: `Foreground` keeps the owner until its dependents (a Deployment's pods) are gone. */
export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
}

/** The URL path of an object or collection. */
export function objectPath(ref: ObjectRef): string {
  const base = ref.apiVersion.includes('/') ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
  const ns = ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : '';
  const name = ref.name ? `/${encodeURIComponent(ref.name)}` : '';
  const sub = ref.subresource ? `/${ref.subresource}` : '';
  return `${base}${ns}/${ref.resource}${name}${sub}`;
}

/** Cluster access for one kubeconfig context and namespace: JSON CRUD, cluster time, the server address. */
export class KubeClient {
  private constructor(
    readonly kubeConfig: KubeConfig,
    readonly context: string,
    readonly namespace: string,
    readonly transport: ApiTransport,
  ) {}

  /** Loads the kubeconfig like kubectl (KUBECONFIG list, --kubeconfig, --context) and picks the namespace. */
  static fromOptions(options: KubeClientOptions = {}): KubeClient {
    const loaded = loadKubeconfig(options);
    const namespace = options.namespace || loaded.contextNamespace || 'default';
    const transport = new ApiTransport(loaded.kubeConfig, loaded.extras, options.env ?? process.env);
    return new KubeClient(loaded.kubeConfig, loaded.context, namespace, transport);
  }

  /** The API server's URL (its host is never routed into the tunnel). */
  get server(): URL {
    return this.transport.server;
  }

  /** The cluster's clock, from the `Date` header of a cheap request; the laptop clock is never used. */
  async clusterTime(): Promise<Date> {
    const res = await this.transport.request({ method: 'GET', path: '/version', action: { verb: 'get', resource: 'version' } });
    if (!res.date || Number.isNaN(res.date.getTime())) {
      throw new UserError(ErrorCode.ClusterUnreachable, 'The API server sent no Date header, so cluster time is unknown', {
        hint: 'A proxy in front of the API server may strip it; report this with your setup',
      });
    }
    return res.date;
  }

  /** Cluster time as unix seconds, the format of `kt-last-heart-beat`. */
  async clusterUnixSeconds(): Promise<number> {
    return Math.floor((await this.clusterTime()).getTime() / 1000);
  }

  async get<T>(ref: ObjectRef, query = ''): Promise<T> {
    return (await this.call<T>('GET', ref, 'get', undefined, query)).body;
  }

  /** The object, or undefined when it does not exist. */
  async find<T>(ref: ObjectRef): Promise<T | undefined> {
    try {
      return await this.get<T>(ref);
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  async list<T>(ref: ObjectRef, query = ''): Promise<{ items: T[]; metadata?: { resourceVersion?: string } }> {
    return this.get(ref, query);
  }

  async create<T>(ref: ObjectRef, body: unknown): Promise<T> {
    return (await this.call<T>('POST', { ...ref, name: undefined }, 'create', body)).body;
  }

  /** A JSON merge patch (RFC 7386): `{metadata:{annotations:{k:v}}}`; null deletes a key. */
  async mergePatch<T>(ref: ObjectRef, patch: unknown): Promise<ApiResponse<T>> {
    return this.call<T>('PATCH', ref, 'patch', patch, '', 'application/merge-patch+json');
  }

  /** Deletes (in the background unless told otherwise, optionally with a grace period); true if it existed. */
  async delete(ref: ObjectRef, options: DeleteOptions = {}): Promise<boolean> {
    try {
      await this.call('DELETE', ref, 'delete', { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', ...options });
      return true;
    } catch (err) {
      if (isStatus(err, 404)) return false;
      throw err;
    }
  }

  /** Deletes, then waits (bounded) until the object is really gone; false if it had not existed. */
  async deleteAndWait(ref: ObjectRef, timeoutMs = 15_000, options: DeleteOptions = {}): Promise<boolean> {
    const existed = await this.delete(ref, options);
    const deadline = Date.now() + timeoutMs;
    while (existed && Date.now() < deadline && (await this.find(ref))) await new Promise((r) => setTimeout(r, 250));
    return existed;
  }

  private call<T>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    ref: ObjectRef,
    verb: string,
    body?: unknown,
    query = '',
    contentType?: string,
  ): Promise<ApiResponse<T>> {
    const action: Action = {
      verb,
      resource: ref.subresource ? `${ref.resource}/${ref.subresource}` : ref.resource,
      namespace: ref.namespace,
      name: ref.name,
    };
    const path = objectPath(ref) + (query ? `?${query}` : '');
    return this.transport.request<T>({ method, path, body, contentType, action });
  }

  /** Releases idle connections. */
  close(): void {
    this.transport.close();
  }
}
