// An in-memory API server for the join/leave protocol tests: create (409 on a taken name), get/find, list
// with equality label selectors, JSON merge patch honouring a resourceVersion precondition (409 when stale),
// delete, and a settable cluster clock. Pods are ready once created; `beforePatch` lets a test slip a
// concurrent write in between someone's read and their patch.
import { KubeApiError, type KubeClient, type ObjectRef } from '@ktctl/kube';

type Obj = Record<string, any>;

function merge(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = { ...(target && typeof target === 'object' && !Array.isArray(target) ? target : {}) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

function status(code: number, message: string): Error {
  return new KubeApiError(code, undefined, message, { verb: 'test', resource: 'test' });
}

export class FakeCluster {
  readonly objects = new Map<string, Obj>();
  now = 1_800_000_000;
  private version = 1;
  /** Called before each merge patch is applied (after its precondition was read by the caller). */
  beforePatch: ((ref: ObjectRef, patch: Obj) => void) | undefined;

  key(ref: ObjectRef): string {
    return `${ref.resource}/${ref.name}`;
  }

  put(resource: string, body: Obj): Obj {
    const stored: Obj = { ...body, metadata: { ...body.metadata, resourceVersion: String(++this.version) } };
    if (resource === 'pods') stored.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
    this.objects.set(`${resource}/${body.metadata.name}`, stored);
    return stored;
  }

  get(resource: string, name: string): Obj | undefined {
    return this.objects.get(`${resource}/${name}`);
  }

  client(namespace = 'team'): KubeClient {
    const find = async (ref: ObjectRef) => structuredClone(this.objects.get(this.key(ref)));
    const fake = {
      namespace,
      clusterUnixSeconds: async () => this.now,
      find,
      get: async (ref: ObjectRef) => {
        const found = await find(ref);
        if (!found) throw status(404, `${this.key(ref)} not found`);
        return found;
      },
      list: async (ref: ObjectRef, query = '') => {
        const selector = decodeURIComponent(/labelSelector=([^&]*)/.exec(query)?.[1] ?? '');
        const wanted = selector
          .split(',')
          .filter(Boolean)
          .map((kv) => kv.split('='));
        const items = [...this.objects.entries()].filter(([k]) => k.startsWith(`${ref.resource}/`)).map(([, v]) => v);
        const name = /fieldSelector=metadata\.name%3D([^&]*)/.exec(query)?.[1];
        const matching = items.filter(
          (o) =>
            wanted.every(([k, v]) => o.metadata.labels?.[k!] === v) && (name === undefined || o.metadata.name === decodeURIComponent(name)),
        );
        return { items: structuredClone(matching) };
      },
      create: async (ref: ObjectRef, body: Obj) => {
        if (this.objects.has(this.key({ ...ref, name: body.metadata.name }))) throw status(409, 'already exists');
        return structuredClone(this.put(ref.resource, body));
      },
      mergePatch: async (ref: ObjectRef, patch: Obj) => {
        this.beforePatch?.(ref, patch);
        const current = this.objects.get(this.key(ref));
        if (!current) throw status(404, 'not found');
        const wanted = patch.metadata?.resourceVersion;
        if (wanted !== undefined && wanted !== current.metadata.resourceVersion) throw status(409, 'the object has been modified');
        const next = merge(current, patch);
        next.metadata.resourceVersion = String(++this.version);
        this.objects.set(this.key(ref), next);
        return { body: structuredClone(next) };
      },
      delete: async (ref: ObjectRef) => this.objects.delete(this.key(ref)),
      deleteAndWait: async (ref: ObjectRef) => this.objects.delete(this.key(ref)),
    };
    return fake as unknown as KubeClient;
  }
}
