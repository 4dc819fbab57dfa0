// Auto mode once the shadow and its tunnel run: this developer's mesh Service, the join (router, stuntman,
// redirect and rules, see join.ts), the heartbeat on the shared objects and the router's supervision.
import { ErrorCode, UserError, type Teardown } from '@ktctl/plugin-api';
import {
  Heartbeat,
  isStatus,
  parseKeyValues,
  randomLetters,
  routerName,
  shadowOptionsFromFlags,
  stuntmanName,
  type ShadowHandle,
} from '@ktctl/kube';
import type { RouterRoute } from '@ktctl/agent-contract';
import type { ExposedPorts } from '../shared/reverse-tunnel.js';
import { serviceRef } from '../shared/service-lock.js';
import { joinMesh, leaveMesh } from './join.js';
import type { MeshDeps, MeshOptions, MeshPlan } from './mesh.js';
import { meshService, routerPod, stuntmanService, type MeshMeta } from './objects.js';
import { superviseRouter } from './router-supervisor.js';
import { routerRef } from '../shared/router-state.js';

export async function startAuto(
  options: MeshOptions,
  deps: MeshDeps,
  teardown: Teardown,
  plan: MeshPlan,
  shadow: ShadowHandle,
  tunnel: ExposedPorts,
): Promise<void> {
  const { client } = deps;
  const meta: MeshMeta = {
    namespace: client.namespace,
    service: plan.service,
    user: plan.user,
    heartbeat: await client.clusterUnixSeconds(),
    extraLabels: parseKeyValues(options.flags.withLabel as string | undefined, '--withLabel'),
    extraAnnotations: parseKeyValues(options.flags.withAnnotation as string | undefined, '--withAnnotation'),
  };
  await createMeshService(options, deps, teardown, plan, shadow, tunnel, meta);
  const route: RouterRoute = { header: plan.mark.key, value: plan.mark.value, backend: plan.objectName, user: plan.user };
  deps.onEvent({ kind: 'progress', step: 'router', detail: `joining ${routerName(plan.service)}…` });
  const rules = await joinMesh(client, {
    service: plan.service,
    route,
    user: plan.user,
    routerPod: (target, first) =>
      routerPod({ ...routerSettings(options), name: routerName(plan.service), target, ports: plan.routed, rules: first }, meta),
    stuntman: (selector) => stuntmanService(stuntmanName(plan.service), meta, selector, plan.routed),
    newTarget: () => randomLetters(),
    podTimeoutSeconds: Number(options.flags.podCreationTimeout ?? 60),
    logger: deps.logger,
    lock: { signal: deps.signal },
  });
  teardown.defer(`route of ${plan.user} on router ${routerName(plan.service)}`, async () => {
    const failures = await leaveMesh(client, plan.service, plan.objectName, plan.user, deps.logger);
    if (failures.length) throw new Error(failures.join('; '));
  });
  deps.onEvent({
    kind: 'progress',
    step: 'router',
    detail: `routing with rule set ${rules.generation} (${rules.routes.length} developer${rules.routes.length > 1 ? 's' : ''})`,
  });
  startKeepAlive(deps, teardown, plan, route);
}

/** Router pod settings from the global flags; the image is --routerImage, else the shadow image. */
function routerSettings(options: MeshOptions) {
  const shadow = shadowOptionsFromFlags(options.flags, { kind: 'mesh', service: 'x', version: 'x' }, options.version);
  return {
    image: options.routerImage || shadow.image,
    nodeSelector: parseKeyValues(shadow.nodeSelector, '--nodeSelector'),
    imagePullSecret: shadow.imagePullSecret,
    serviceAccount: shadow.serviceAccount,
    forceUpdate: shadow.forceUpdate,
    logLevel: options.flags.debug === true ? 'debug' : undefined,
  };
}

/** `<svc>-kt-mesh-<ver>`, then a wait until it answers from inside the cluster (kube-proxy may lag its endpoints). */
async function createMeshService(
  options: MeshOptions,
  deps: MeshDeps,
  teardown: Teardown,
  plan: MeshPlan,
  shadow: ShadowHandle,
  tunnel: ExposedPorts,
  meta: MeshMeta,
): Promise<void> {
  const ref = serviceRef(deps.client, plan.objectName);
  let created: { spec?: { clusterIP?: string } };
  try {
    created = await deps.client.create(
      ref,
      meshService(
        plan.objectName,
        meta,
        shadow.target,
        plan.ports.map((p) => p.remote),
      ),
    );
  } catch (error) {
    if (!isStatus(error, 409)) throw error;
    throw new UserError(
      ErrorCode.AlreadyRedirected,
      `Service ${plan.objectName} appeared meanwhile: version mark "${plan.mark.value}" was just taken by someone else; mesh changed nothing`,
      { hint: 'Pick another value with --versionMark' },
    );
  }
  teardown.defer(`service ${plan.objectName}`, async () => void (await deps.client.deleteAndWait(ref)));
  const ip = created.spec?.clusterIP;
  const deadline = Date.now() + 30_000;
  while (ip && !deps.signal.aborted && Date.now() < deadline && !(await tunnel.reachable(ip, plan.ports[0]!.remote)))
    await new Promise((r) => setTimeout(r, 250));
}

/** Every participant beats on the shared objects (clean removes them only when all are silent) and supervises the router. */
function startKeepAlive(deps: MeshDeps, teardown: Teardown, plan: MeshPlan, route: RouterRoute): void {
  const { client } = deps;
  const heartbeat = new Heartbeat(client, (err, ref) =>
    deps.logger.debug(`heartbeat on ${ref.resource}/${ref.name} failed: ${(err as Error).message}`),
  );
  for (const ref of [serviceRef(client, plan.objectName), routerRef(client, plan.service), serviceRef(client, stuntmanName(plan.service))])
    heartbeat.add(ref);
  heartbeat.start();
  teardown.defer('mesh heartbeat', () => heartbeat.stop());
  const supervisor = superviseRouter(client, {
    service: plan.service,
    route,
    user: plan.user,
    logger: deps.logger,
    onStatus: (state, detail) => deps.onEvent({ kind: 'router', state, detail }),
  });
  teardown.defer('router supervision', () => supervisor.stop());
}
