// The cluster objects of mesh auto mode, as KtConnect names and labels them: the router pod, the stuntman
// Service (the original pods) and one mesh Service per developer (their shadow pod). Pure builders.
import {
  ROUTER_CONTROL_PORT,
  ROUTER_COMMAND,
  ROUTER_PODINFO_DIR,
  ROUTER_ANNOTATIONS_FILE,
  routerEnv,
  type RouterRuleSet,
} from '@ktctl/agent-contract';
import { CONTROLLED_BY_KT, Keys, Role } from '@ktctl/kube';
import { rulesAnnotations } from '../shared/router-rules.js';
import { carriedPorts, type CarriedPort } from '../shared/target-ports.js';

type Obj = Record<string, any>;

/** A TCP port of the Service as the router carries it: the target port's number, and its name if the Service names it. */
export type RoutedPort = CarriedPort;

/** The Service's TCP target ports the router listens on (one listener per number); UDP ones apart. */
export const routedPorts = carriedPorts;

/** What every object of a mesh carries besides its own labels. */
export interface MeshMeta {
  readonly namespace: string;
  readonly service: string;
  readonly user: string;
  /** Cluster unix seconds, the first `kt-last-heart-beat`. */
  readonly heartbeat: number;
  readonly extraLabels?: Record<string, string>;
  readonly extraAnnotations?: Record<string, string>;
}

function metadata(
  name: string,
  meta: MeshMeta,
  role: string,
  labels: Record<string, string> = {},
  annotations: Record<string, string> = {},
): Obj {
  return {
    name,
    namespace: meta.namespace,
    labels: { ...meta.extraLabels, [Keys.controlBy]: CONTROLLED_BY_KT, [Keys.role]: role, ...labels },
    annotations: {
      ...meta.extraAnnotations,
      [Keys.user]: meta.user,
      [Keys.lastHeartBeat]: String(meta.heartbeat),
      [Keys.config]: `service=${meta.service}`,
      ...annotations,
    },
  };
}

/** `<svc>-kt-stuntman`: the original selector and ports, each listening on its target port's number (where the router sends). */
export function stuntmanService(name: string, meta: MeshMeta, selector: Record<string, string>, ports: readonly RoutedPort[]): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(name, meta, Role.router),
    spec: {
      type: 'ClusterIP',
      selector: { ...selector },
      ports: ports.map((p) => ({
        name: `tcp-${p.number}`,
        port: p.number,
        targetPort: p.servicePort.targetPort ?? p.servicePort.port,
        protocol: 'TCP',
      })),
    },
  };
}

/** `<svc>-kt-mesh-<ver>`: one developer's shadow (by its kt-target), on the ports they expose. */
export function meshService(name: string, meta: MeshMeta, shadowTarget: string, ports: readonly number[]): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(name, meta, Role.mesh),
    spec: {
      type: 'ClusterIP',
      selector: { [Keys.target]: shadowTarget },
      ports: ports.map((p) => ({ name: `tcp-${p}`, port: p, targetPort: p, protocol: 'TCP' })),
    },
  };
}

/** What shapes the router pod besides the common metadata. */
export interface RouterPodInput {
  readonly name: string;
  readonly image: string;
  /** Its `kt-target`: the Service's selector while meshed. */
  readonly target: string;
  readonly ports: readonly RoutedPort[];
  readonly rules: RouterRuleSet;
  readonly logLevel?: string;
  readonly nodeSelector?: Record<string, string>;
  readonly imagePullSecret?: string;
  readonly serviceAccount?: string;
  readonly forceUpdate?: boolean;
}

/**
 * `<svc>-kt-router`: the router from the shadow image, one listener per target port (named as the Service
 * names them, so its targetPorts resolve here), its rules in an annotation it reads back through a
 * downward-API file, so a restarted container starts with the current rules.
 */
export function routerPod(input: RouterPodInput, meta: MeshMeta): Obj {
  const container = {
    name: 'router',
    image: input.image,
    imagePullPolicy: input.forceUpdate ? 'Always' : 'IfNotPresent',
    command: [...ROUTER_COMMAND],
    env: routerEnv(
      input.ports.map((p) => p.number),
      input.rules.default,
      input.logLevel,
    ),
    ports: [
      ...input.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), containerPort: p.number, protocol: 'TCP' })),
      { name: 'kt-control', containerPort: ROUTER_CONTROL_PORT, protocol: 'TCP' },
    ],
    volumeMounts: [{ name: 'kt-podinfo', mountPath: ROUTER_PODINFO_DIR, readOnly: true }],
    readinessProbe: { httpGet: { path: '/healthz', port: ROUTER_CONTROL_PORT }, periodSeconds: 1, failureThreshold: 3 },
    // Root only to bind low target ports; no other power, nothing written.
    securityContext: {
      runAsUser: 0,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
    },
  };
  const spec: Obj = {
    containers: [container],
    volumes: [
      { name: 'kt-podinfo', downwardAPI: { items: [{ path: ROUTER_ANNOTATIONS_FILE, fieldRef: { fieldPath: 'metadata.annotations' } }] } },
    ],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 2,
    automountServiceAccountToken: false,
  };
  if (input.serviceAccount && input.serviceAccount !== 'default') spec.serviceAccountName = input.serviceAccount;
  if (input.nodeSelector && Object.keys(input.nodeSelector).length) spec.nodeSelector = input.nodeSelector;
  if (input.imagePullSecret) spec.imagePullSecrets = [{ name: input.imagePullSecret }];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: metadata(input.name, meta, Role.router, { [Keys.target]: input.target }, rulesAnnotations(input.rules)),
    spec,
  };
}
