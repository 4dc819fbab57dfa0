// birdseye's picture of a namespace, decided from listed objects and cluster time only (pure): who
// redirects which Service, through what, and whether their heartbeat says they are still there.
import { CONTROLLED_BY_KT, Keys, Role, routerName } from '@ktctl/kube';
import { storedRules } from '../shared/router-rules.js';
import type { SeenObject } from '../shared/restore.js';
import { savedSelector, selects } from '../shared/service-selector.js';
import { secondsSilent, STALE_AFTER_SECONDS } from '../shared/stale.js';

/** One run holding a Service (or a connector): what it does, who, through which object, and how alive. */
export interface BirdseyeHolder {
  /** exchange, mesh, preview, lock (a kt-lock taken for a redirect in progress) or connect. */
  readonly kind: 'exchange' | 'mesh' | 'preview' | 'lock' | 'connect';
  /** exchange: selector | scale; mesh: auto | manual. */
  readonly mode?: string;
  readonly user: string;
  /** The shadow pod (or Deployment) carrying it; absent when it is gone. */
  readonly shadow?: string;
  /** mesh: the version value and the header to send (auto), or the label to select on (manual). */
  readonly version?: string;
  readonly header?: string;
  readonly label?: string;
  /** Since when (ISO 8601, cluster time: the object's creation). */
  readonly since?: string;
  /** Seconds since the last heartbeat (cluster time). */
  readonly heartbeatAgeSeconds: number;
  /** No heartbeat for longer than the clean threshold: a dead run, which `ktctl clean` removes. */
  readonly stale: boolean;
  /** connect: how many users share the shadow (kt-ref-count). */
  readonly refCount?: number;
}

export type ServiceStateName = 'normal' | 'exchanged' | 'meshed' | 'previewed' | 'locked';

export interface BirdseyeService {
  readonly name: string;
  readonly state: ServiceStateName;
  readonly holders: readonly BirdseyeHolder[];
  /** Any holder stale. */
  readonly stale: boolean;
}

export interface BirdseyeView {
  readonly namespace: string;
  /** Cluster time the view was taken at (ISO 8601). */
  readonly clusterTime: string;
  readonly staleAfterSeconds: number;
  readonly services: readonly BirdseyeService[];
  /** With --showConnector: the connect shadows and their users. */
  readonly connectors?: readonly BirdseyeHolder[];
  /** Set when something is stale: what to run. */
  readonly hint?: string;
}

export interface BirdseyeOptions {
  readonly sortBy?: 'status' | 'name';
  readonly showConnector?: boolean;
  readonly hideNaturalService?: boolean;
  readonly staleAfterSeconds?: number;
}

/** The objects birdseye reads: the namespace's Services, and ktctl's (or KtConnect's) pods and Deployments. */
export interface BirdseyeInput {
  readonly namespace: string;
  readonly now: number;
  readonly services: readonly SeenObject[];
  /** `control-by=kt` pods and Deployments (a shadow Deployment's pods carry the same kt-target). */
  readonly shadows: readonly SeenObject[];
}

const STATE_ORDER: readonly ServiceStateName[] = ['exchanged', 'meshed', 'previewed', 'locked', 'normal'];

function iso(seconds: number | undefined): string | undefined {
  return seconds ? new Date(seconds * 1000).toISOString() : undefined;
}

/** One object per run: a shadow Deployment and its pods share a kt-target; the Deployment names it, the freshest beat counts. */
function runsOf(objects: readonly SeenObject[]): SeenObject[] {
  const byTarget = new Map<string, SeenObject[]>();
  const loose: SeenObject[] = [];
  for (const o of objects) {
    const target = o.labels[Keys.target];
    if (target === undefined) loose.push(o);
    else byTarget.set(target, [...(byTarget.get(target) ?? []), o]);
  }
  const runs = [...loose];
  for (const group of byTarget.values()) {
    const named = group.find((o) => o.ref.resource === 'deployments') ?? group[0]!;
    const beats = group.map((o) => Number(o.annotations[Keys.lastHeartBeat])).filter((b) => Number.isFinite(b) && b > 0);
    runs.push(beats.length ? { ...named, annotations: { ...named.annotations, [Keys.lastHeartBeat]: String(Math.max(...beats)) } } : named);
  }
  return runs;
}

function configOf(o: SeenObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (o.annotations[Keys.config] ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

export function buildBirdseye(input: BirdseyeInput, options: BirdseyeOptions = {}): BirdseyeView {
  const threshold = options.staleAfterSeconds ?? STALE_AFTER_SECONDS;
  const { now } = input;
  const runs = runsOf(input.shadows.filter((o) => o.labels[Keys.controlBy] === CONTROLLED_BY_KT));
  const role = (o: SeenObject) => o.labels[Keys.role];
  const holder = (
    o: SeenObject | undefined,
    fields: Omit<BirdseyeHolder, 'user' | 'heartbeatAgeSeconds' | 'stale'>,
    fallback?: SeenObject,
  ) => {
    const source = o ?? fallback;
    const age = source ? secondsSilent(source, now) : Infinity;
    return {
      ...fields,
      user: o?.annotations[Keys.user] ?? fallback?.annotations[Keys.user] ?? 'unknown',
      ...(o ? { shadow: o.ref.name!, since: iso(o.createdAt) } : {}),
      heartbeatAgeSeconds: Number.isFinite(age) ? Math.max(0, age) : -1,
      stale: age > threshold,
    } satisfies BirdseyeHolder;
  };
  // ktctl's own Services are parts of a redirect (mesh Services, stuntmen), or previews; shown under the Service they serve.
  const ktServices = new Set(input.services.filter((s) => s.labels[Keys.controlBy] === CONTROLLED_BY_KT).map((s) => s.ref.name!));
  const services: BirdseyeService[] = [];
  for (const svc of input.services) {
    const name = svc.ref.name!;
    const holders: BirdseyeHolder[] = [];
    let state: ServiceStateName = 'normal';
    if (ktServices.has(name)) {
      if (role(svc) !== Role.preview) continue;
      const shadow = runs.find((r) => role(r) === Role.preview && r.labels[Keys.target] === svc.selector?.[Keys.target]);
      holders.push(holder(shadow, { kind: 'preview' }, svc));
      services.push({ name, state: 'previewed', holders, stale: holders.some((h) => h.stale) });
      continue;
    }
    const target = svc.selector?.[Keys.target];
    const original = savedSelector({ metadata: { annotations: svc.annotations } }) ?? svc.selector;
    const router = runs.find((r) => r.ref.name! === routerName(name) && role(r) === Role.router);
    const pointedAt = target === undefined ? undefined : runs.find((r) => r.labels[Keys.target] === target);
    if (router || (pointedAt && role(pointedAt) === Role.router)) {
      const r = router ?? pointedAt!;
      state = 'meshed';
      const rules = storedRules(r.annotations);
      const meshShadows = runs.filter((m) => role(m) === Role.mesh && configOf(m).service === name);
      for (const route of rules?.routes ?? []) {
        const shadow = meshShadows.find((m) => m.ref.name! === route.backend);
        holders.push({
          ...holder(shadow, { kind: 'mesh', mode: 'auto', version: route.value, header: `${route.header}: ${route.value}` }, r),
          user: route.user,
        });
      }
      // KtConnect's router keeps no rules annotation: each mesh shadow of the Service is a version.
      if (!rules) {
        for (const shadow of meshShadows) {
          const version = shadow.ref.name!.slice(`${name}-kt-mesh-`.length) || undefined;
          holders.push(holder(shadow, { kind: 'mesh', mode: 'auto', ...(version ? { version } : {}) }));
        }
      }
      if (!holders.length) holders.push(holder(r, { kind: 'mesh', mode: 'auto' }));
    } else if (target !== undefined) {
      state = 'exchanged';
      holders.push(holder(pointedAt, { kind: 'exchange', mode: 'selector' }, svc));
    }
    // Shadows carrying the Service's pods' labels: scale-mode exchange, manual mesh.
    for (const twin of runs.filter((r) => [Role.exchange, Role.mesh].includes(role(r) as never) && selects(original, r.labels))) {
      if (role(twin) === Role.exchange) {
        state = state === 'normal' ? 'exchanged' : state;
        holders.push(holder(twin, { kind: 'exchange', mode: 'scale' }));
      } else {
        state = state === 'normal' ? 'meshed' : state;
        const extra = Object.entries(twin.labels).find(
          ([k]) => !(k in (original ?? {})) && ![Keys.controlBy, Keys.role, Keys.target].includes(k as never) && k !== 'pod-template-hash',
        );
        const version = twin.ref.name!.startsWith(`${name}-kt-mesh-`) ? twin.ref.name!.slice(`${name}-kt-mesh-`.length) : extra?.[1];
        holders.push(
          holder(twin, {
            kind: 'mesh',
            mode: 'manual',
            ...(version ? { version } : {}),
            ...(extra ? { label: `${extra[0]}=${extra[1]}` } : {}),
          }),
        );
      }
    }
    const lock = Number(svc.annotations[Keys.lock]);
    if (svc.annotations[Keys.lock] !== undefined && Number.isFinite(lock) && !holders.length) {
      state = 'locked';
      const age = Math.max(0, now - lock);
      holders.push({
        kind: 'lock',
        user: svc.annotations[Keys.user] ?? 'unknown',
        heartbeatAgeSeconds: age,
        stale: age > threshold,
        since: iso(lock),
      });
    }
    if (state === 'normal' && options.hideNaturalService) continue;
    services.push({ name, state, holders, stale: holders.some((h) => h.stale) });
  }
  services.sort((a, b) =>
    options.sortBy === 'status'
      ? STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state) || a.name.localeCompare(b.name)
      : a.name.localeCompare(b.name),
  );
  const connectors = options.showConnector
    ? runs
        .filter((r) => role(r) === Role.connect)
        .map((r) => {
          const refs = Number(r.annotations[Keys.refCount]);
          return holder(r, { kind: 'connect', ...(Number.isFinite(refs) && refs > 0 ? { refCount: refs } : {}) });
        })
        .sort((a, b) => a.user.localeCompare(b.user) || (a.shadow ?? '').localeCompare(b.shadow ?? ''))
    : undefined;
  const anyStale = services.some((s) => s.stale) || (connectors ?? []).some((c) => c.stale);
  return {
    namespace: input.namespace,
    clusterTime: new Date(now * 1000).toISOString(),
    staleAfterSeconds: threshold,
    services,
    ...(connectors ? { connectors } : {}),
    ...(anyStale ? { hint: `run "ktctl clean -n ${input.namespace}" to remove what stale runs left` } : {}),
  };
}
