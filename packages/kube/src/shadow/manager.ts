import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ktHome } from '@ktctl/config';
import { ErrorCode, UserError, type Logger } from '@ktctl/plugin-api';
import type { KubeClient, ObjectRef } from '../client.js';
import { isStatus } from '../errors.js';
import { requirePermissions, shadowPermissions } from '../rbac.js';
import { generateSshKeyPair } from '@ktctl/tunnel/keys';
import { sudoOwner, writePrivateKey } from '../private-key-file.js';
import { invokingUser, parseKeyValues, randomLetters, shadowName, type ShadowPurpose } from '../names.js';
import type { AgentSettings } from '@ktctl/agent-contract';
import { Heartbeat } from './heartbeat.js';
import { ShadowHandle, type ShadowRefs } from './handle.js';
import { waitForShadowPod } from './ready.js';
import { joinSharedShadow } from './shared.js';
import { keysConfigMap, shadowDeployment, shadowPod, type ShadowSpecInput } from './spec.js';
import type { ShadowProgress } from './wait.js';

/** The global flags a shadow honours (names as in @ktctl/config), plus what the command adds. */
export interface ShadowOptions {
  purpose: ShadowPurpose;
  /** The image to run: `shadowImage(options, version)` from @ktctl/config. */
  image: string;
  useShadowDeployment?: boolean;
  podQuota?: string | undefined;
  nodeSelector?: string | undefined;
  imagePullSecret?: string | undefined;
  serviceAccount?: string | undefined;
  withLabel?: string | undefined;
  withAnnotation?: string | undefined;
  forceUpdate?: boolean;
  /** Seconds to wait for the pod to be ready (default 60). */
  podCreationTimeout?: number;
  config?: Record<string, string | number>;
  podLabels?: Record<string, string>;
  exposePorts?: readonly number[];
  agent?: AgentSettings;
  customizePodSpec?: (spec: Record<string, any>) => void;
  /** Where private keys go (default `~/.kt/key`). */
  keyDir?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** How the manager reports: progress of the pod, and a logger for warnings (heartbeat failures). */
export interface ShadowHooks {
  onProgress?: (p: ShadowProgress) => void;
  logger?: Logger;
}

/** Creates shadows (pod or Deployment, its keys ConfigMap and local private key) and hands back a handle. */
export class ShadowManager {
  constructor(
    readonly client: KubeClient,
    private readonly hooks: ShadowHooks = {},
  ) {}

  /** Creates the shadow and waits until it is ready; on any failure removes whatever it had created. */
  async create(opts: ShadowOptions): Promise<ShadowHandle> {
    await requirePermissions(this.client, shadowPermissions(this.client.namespace, Boolean(opts.useShadowDeployment)));
    const { handle, input, refs } = await this.prepare(opts);
    try {
      const shared = opts.purpose.kind === 'connect' && opts.purpose.shared === true;
      if (shared) await this.createOrJoinShared(input, refs, handle, handle.publicKey);
      else await this.createObjects(input, refs, handle);
      handle.podName = await waitForShadowPod(this.client, handle.locator(), {
        timeoutSeconds: opts.podCreationTimeout ?? 60,
        image: opts.image,
        onProgress: this.hooks.onProgress,
        signal: opts.signal,
      });
    } catch (err) {
      await handle
        .cleanup()
        .catch((cleanupErr: unknown) => this.hooks.logger?.warn(`cleanup after a failed start: ${(cleanupErr as Error).message}`));
      if (opts.signal?.aborted)
        throw new UserError(ErrorCode.Cancelled, `Cancelled while starting shadow ${input.name}; nothing was left behind`, { cause: err });
      throw err;
    }
    handle.startHeartbeat();
    return handle;
  }

  /** Names, keys and specs; nothing in the cluster yet, and the private key written last. */
  private async prepare(opts: ShadowOptions): Promise<{ handle: ShadowHandle; input: ShadowSpecInput; refs: ShadowRefs }> {
    const env = opts.env ?? process.env;
    const namespace = this.client.namespace;
    const name = shadowName(opts.purpose);
    const keys = generateSshKeyPair(`ktctl-${invokingUser(env)}`);
    const input = await this.specInput(opts, name, keys.publicKey, env);
    // The pid in the file name lets `clean` tell keys of dead runs from live ones.
    const keyFile = await writePrivateKey(
      opts.keyDir ?? join(ktHome(env), 'key'),
      `${name}-${process.pid}-${randomLetters(4)}.key`,
      keys,
      sudoOwner(env),
    );
    const refs: ShadowRefs = {
      configMap: cmRef(namespace, name),
      workload: opts.useShadowDeployment ? deployRef(namespace, name) : podRef(namespace, name),
    };
    const heartbeat = new Heartbeat(this.client, (err, ref) =>
      this.hooks.logger?.warn(`heartbeat on ${ref.resource}/${ref.name} failed: ${(err as Error).message}`),
    );
    const useDeployment = Boolean(opts.useShadowDeployment);
    const handle = new ShadowHandle(this.client, {
      input,
      refs,
      keys,
      keyFile,
      heartbeat,
      useDeployment,
      hooks: this.hooks,
      timeoutSeconds: opts.podCreationTimeout ?? 60,
    });
    return { handle, input, refs };
  }

  private async specInput(opts: ShadowOptions, name: string, publicKey: string, env: NodeJS.ProcessEnv): Promise<ShadowSpecInput> {
    return {
      name,
      namespace: this.client.namespace,
      purpose: opts.purpose,
      image: opts.image,
      target: randomLetters(),
      authorizedKeys: publicKey,
      user: invokingUser(env),
      heartbeat: await this.client.clusterUnixSeconds(),
      config: opts.config,
      extraLabels: parseKeyValues(opts.withLabel, '--withLabel'),
      extraAnnotations: parseKeyValues(opts.withAnnotation, '--withAnnotation'),
      podLabels: opts.podLabels,
      nodeSelector: parseKeyValues(opts.nodeSelector, '--nodeSelector'),
      imagePullSecret: opts.imagePullSecret,
      serviceAccount: opts.serviceAccount,
      podQuota: opts.podQuota,
      forceUpdate: opts.forceUpdate,
      shared: opts.purpose.kind === 'connect' && opts.purpose.shared === true,
      agent: opts.agent,
      exposePorts: opts.exposePorts,
      customizePodSpec: opts.customizePodSpec,
    };
  }

  /** Joins the shared shadow, or creates it; losing a creation race to another laptop means joining after all. */
  private async createOrJoinShared(input: ShadowSpecInput, refs: ShadowRefs, handle: ShadowHandle, publicKey: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await joinSharedShadow(this.client, publicKey, refs.workload)) return handle.markJoined();
      try {
        return await this.createObjects(input, refs, handle);
      } catch (err) {
        if (!isStatus(err, 409) || handle.objects.length > 0) throw err;
      }
      // The other laptop may be between creating the ConfigMap and the pod.
      await sleep(1000);
    }
    throw new Error(`the shared shadow ${input.name} kept appearing and disappearing; try again`);
  }

  /** ConfigMap first (the pod mounts it), each one registered for cleanup and heartbeat as soon as it exists. */
  private async createObjects(input: ShadowSpecInput, refs: ShadowRefs, handle: ShadowHandle): Promise<void> {
    await this.client.create(refs.configMap, keysConfigMap(input));
    handle.created(refs.configMap);
    const body = refs.workload.resource === 'deployments' ? shadowDeployment(input) : shadowPod(input);
    await this.client.create(refs.workload, body);
    handle.created(refs.workload);
  }
}

function cmRef(namespace: string, name: string): ObjectRef {
  return { apiVersion: 'v1', resource: 'configmaps', namespace, name };
}
function podRef(namespace: string, name: string): ObjectRef {
  return { apiVersion: 'v1', resource: 'pods', namespace, name };
}
function deployRef(namespace: string, name: string): ObjectRef {
  return { apiVersion: 'apps/v1', resource: 'deployments', namespace, name };
}
