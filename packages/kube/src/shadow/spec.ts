import { ErrorCode, UsageError } from '@ktctl/plugin-api';
import { CONTROLLED_BY_KT, Keys, formatKeyValues, shadowRole, type ShadowPurpose } from '../names.js';
import {
  AGENT_AUTHORIZED_KEYS_FILE,
  AGENT_KEYS_DIR,
  AGENT_SSH_PORT,
  agentEnv,
  agentPorts,
  type AgentSettings,
} from '@ktctl/agent-contract';

/** Everything that shapes the shadow's objects; built from the global flags by the manager. */
export interface ShadowSpecInput {
  name: string;
  namespace: string;
  purpose: ShadowPurpose;
  image: string;
  /** The `kt-target` label value: a unique selector for this shadow. */
  target: string;
  /** authorized_keys content: one public key per line. */
  authorizedKeys: string;
  user: string;
  /** Cluster unix seconds for the first `kt-last-heart-beat`. */
  heartbeat: number;
  /** `kt-config` as key/values (e.g. `service=web`). */
  config?: Record<string, string | number>;
  /** `--withLabel` / `--withAnnotation`. */
  extraLabels?: Record<string, string>;
  extraAnnotations?: Record<string, string>;
  /** Labels only on the pod (scale-mode exchange copies the Service's selector). */
  podLabels?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  imagePullSecret?: string | undefined;
  serviceAccount?: string | undefined;
  /** `--podQuota` as given: `cpu,memory`. */
  podQuota?: string | undefined;
  forceUpdate?: boolean;
  shared?: boolean;
  agent?: AgentSettings;
  exposePorts?: readonly number[];
  /** Last word on the pod spec (tests run a stand-in image; later commands may add containers). */
  customizePodSpec?: (spec: Record<string, any>) => void;
}

type Obj = Record<string, any>;

/** The metadata every object of this shadow carries: KtConnect's labels and annotations. */
export function shadowMetadata(input: ShadowSpecInput): { labels: Record<string, string>; annotations: Record<string, string> } {
  const labels = {
    ...input.extraLabels,
    [Keys.controlBy]: CONTROLLED_BY_KT,
    [Keys.role]: shadowRole(input.purpose),
    [Keys.target]: input.target,
  };
  const annotations: Record<string, string> = {
    ...input.extraAnnotations,
    [Keys.user]: input.user,
    [Keys.lastHeartBeat]: String(input.heartbeat),
  };
  if (input.config && Object.keys(input.config).length) annotations[Keys.config] = formatKeyValues(input.config);
  if (input.shared) annotations[Keys.refCount] = '1';
  return { labels, annotations };
}

/** The ConfigMap that carries the run's public key to the agent. The private key is never in the cluster. */
export function keysConfigMap(input: ShadowSpecInput): Obj {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: input.name, namespace: input.namespace, ...shadowMetadata(input) },
    data: { [AGENT_AUTHORIZED_KEYS_FILE]: input.authorizedKeys.endsWith('\n') ? input.authorizedKeys : `${input.authorizedKeys}\n` },
  };
}

/** `0.5,512Mi` → requests and limits; either part may be empty. */
export function parsePodQuota(quota: string | undefined): Obj | undefined {
  if (!quota) return undefined;
  const [cpu, memory, rest] = quota.split(',').map((s) => s.trim());
  const valid = /^[0-9.]+[a-zA-Z]*$/;
  if (rest !== undefined || (cpu && !valid.test(cpu)) || (memory && !valid.test(memory))) {
    throw new UsageError(`Invalid --podQuota "${quota}": expected cpu,memory such as 0.5,512Mi`, { code: ErrorCode.InvalidFlag });
  }
  const values: Record<string, string> = {};
  if (cpu) values.cpu = cpu;
  if (memory) values.memory = memory;
  return Object.keys(values).length ? { requests: values, limits: values } : undefined;
}

/** The shadow's pod spec: the agent, the keys volume, scheduling and pull settings from the flags. */
export function shadowPodSpec(input: ShadowSpecInput): Obj {
  const container: Obj = {
    name: 'shadow',
    image: input.image,
    imagePullPolicy: input.forceUpdate ? 'Always' : 'IfNotPresent',
    env: agentEnv(input.agent),
    ports: agentPorts(input.exposePorts),
    volumeMounts: [{ name: 'kt-keys', mountPath: AGENT_KEYS_DIR, readOnly: true }],
    // The agent needs port 53 (and 22) but nothing else of root's powers.
    // As apps/shadow's README asks: root for low ports (22, 53, exchanged target ports), no other power, nothing written.
    securityContext: {
      runAsUser: 0,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
    },
    readinessProbe: { tcpSocket: { port: AGENT_SSH_PORT }, periodSeconds: 1, failureThreshold: 3 },
  };
  const resources = parsePodQuota(input.podQuota);
  if (resources) container.resources = resources;
  const spec: Obj = {
    containers: [container],
    volumes: [{ name: 'kt-keys', configMap: { name: input.name, defaultMode: 0o444 } }],
    terminationGracePeriodSeconds: 1,
    automountServiceAccountToken: false,
  };
  if (input.serviceAccount && input.serviceAccount !== 'default') spec.serviceAccountName = input.serviceAccount;
  if (input.nodeSelector && Object.keys(input.nodeSelector).length) spec.nodeSelector = input.nodeSelector;
  if (input.imagePullSecret) spec.imagePullSecrets = [{ name: input.imagePullSecret }];
  input.customizePodSpec?.(spec);
  return spec;
}

/** A bare shadow pod. */
export function shadowPod(input: ShadowSpecInput): Obj {
  const meta = shadowMetadata(input);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: { ...input.podLabels, ...meta.labels },
      annotations: meta.annotations,
    },
    spec: { ...shadowPodSpec(input), restartPolicy: 'Always' },
  };
}

/** A one-replica Deployment (`--useShadowDeployment`): the cluster replaces its pod if a node goes. */
export function shadowDeployment(input: ShadowSpecInput): Obj {
  const meta = shadowMetadata(input);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: input.name, namespace: input.namespace, ...meta },
    spec: {
      replicas: 1,
      selector: { matchLabels: { [Keys.target]: input.target } },
      strategy: { type: 'Recreate' },
      template: { metadata: { labels: { ...input.podLabels, ...meta.labels }, annotations: meta.annotations }, spec: shadowPodSpec(input) },
    },
  };
}
