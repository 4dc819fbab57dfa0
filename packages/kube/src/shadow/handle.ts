import type { KubeClient, ObjectRef } from '../client.js';
import { PortForwarder, type PortForwarderOptions } from '../port-forward/forwarder.js';
import { watchObjects } from '../watch.js';
import type { SshKeyPair } from '@ktctl/tunnel/keys';
import type { KeyFile } from '../private-key-file.js';
import type { Heartbeat } from './heartbeat.js';
import { waitForShadowPod, type PodLocator } from './ready.js';
import { leaveSharedShadow } from './shared.js';
import { keysConfigMap, shadowPod, type ShadowSpecInput } from './spec.js';
import { assessPod, type PodView, type ShadowProgress } from './wait.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** The objects of one shadow: its keys ConfigMap and its pod or Deployment. */
export interface ShadowRefs {
  configMap: ObjectRef;
  workload: ObjectRef;
}

export interface HandleParts {
  input: ShadowSpecInput;
  refs: ShadowRefs;
  keys: SshKeyPair;
  keyFile: KeyFile;
  heartbeat: Heartbeat;
  useDeployment: boolean;
  timeoutSeconds: number;
  hooks: { onProgress?: (p: ShadowProgress) => void };
  /** How long cleanup waits for deleted objects to disappear (0: do not wait). */
  deleteWaitMs?: number;
}

/** A running shadow: where its pod is, the key to reach it, and how to keep it alive and remove it. */
export class ShadowHandle {
  /** The current pod; changes when the shadow is recreated. */
  podName: string;
  private readonly createdRefs: ObjectRef[] = [];
  private joined = false;
  private cleaned: Promise<void> | undefined;
  private recovering: Promise<string> | undefined;
  private supervisor: { stop(): void } | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly parts: HandleParts,
  ) {
    this.podName = parts.input.name;
  }

  /** The shadow's object name (pod, Deployment and ConfigMap share it). */
  get name(): string {
    return this.parts.input.name;
  }
  get namespace(): string {
    return this.parts.input.namespace;
  }
  /** The `kt-target` label value: what exchange points a Service's selector at (`{'kt-target': target}`). */
  get target(): string {
    return this.parts.input.target;
  }
  /** The private key file (mode 0600 under ~/.kt/key), removed by cleanup. */
  get privateKeyPath(): string {
    return this.parts.keyFile.path;
  }
  get privateKey(): string {
    return this.parts.keys.privateKey;
  }
  get publicKey(): string {
    return this.parts.keys.publicKey;
  }
  /** True when this run joined a shared shadow another run created. */
  get isJoined(): boolean {
    return this.joined;
  }
  /** The objects this run created (and keeps a heartbeat on). */
  get objects(): readonly ObjectRef[] {
    return [...this.createdRefs];
  }

  /** @internal the manager records each object right after creating it. */
  created(ref: ObjectRef): void {
    this.createdRefs.push(ref);
    this.parts.heartbeat.add(ref);
  }

  /** @internal a shared shadow was joined: beat on its objects, and leave it by ref count. */
  markJoined(): void {
    this.joined = true;
    this.parts.heartbeat.add(this.parts.refs.workload);
    this.parts.heartbeat.add(this.parts.refs.configMap);
  }

  /**
   * A port-forward to this shadow (22 for the agent's SSH): the first stream goes to the current pod,
   * later retries go through ensureReady(), so a lost shadow is recreated and the stream resumes.
   */
  forwarder(port: number, options: PortForwarderOptions = {}): PortForwarder {
    const pod = (reason: 'initial' | 'retry') => (reason === 'initial' ? Promise.resolve(this.podName) : this.ensureReady());
    return new PortForwarder(this.client, { namespace: this.namespace, port, pod }, options);
  }

  /** How waits find the pod. */
  locator(): PodLocator {
    const ns = this.namespace;
    return this.parts.useDeployment ? { namespace: ns, target: this.parts.input.target } : { namespace: ns, name: this.name };
  }

  /** @internal the manager starts the ~2-minute heartbeat once the shadow is ready. */
  startHeartbeat(): void {
    this.parts.heartbeat.start();
  }

  /** One heartbeat now (the timer beats every ~2 minutes anyway). */
  beat(): Promise<void> {
    return this.parts.heartbeat.beat();
  }

  /**
   * Makes sure the shadow pod is ready, recreating a deleted bare pod (the Deployment does that itself);
   * reports "reconnecting" and "connected". Returns the pod to forward to.
   */
  ensureReady(signal?: AbortSignal): Promise<string> {
    // Many streams fail together when the pod goes; they share one recovery.
    this.recovering ??= this.recover(signal).finally(() => (this.recovering = undefined));
    return this.recovering;
  }

  /**
   * Watches the shadow's pod and recovers it the moment it is deleted or stops being ready, without
   * waiting for a stream to notice, so an idle session does not sit on a dead shadow. A slow poll
   * (`intervalMs`) backs the watch up. Stopped by cleanup.
   */
  supervise(intervalMs = 30_000, onError: (err: unknown) => void = () => {}): void {
    if (this.supervisor) return;
    const recover = () => {
      if (!this.recovering) this.ensureReady().catch(onError);
    };
    const stop = new AbortController();
    const timer = setInterval(recover, intervalMs);
    timer.unref();
    this.supervisor = { stop: () => (clearInterval(timer), stop.abort()) };
    const selector = this.parts.useDeployment
      ? `labelSelector=${encodeURIComponent(`kt-target=${this.parts.input.target}`)}`
      : `fieldSelector=${encodeURIComponent(`metadata.name=${this.name}`)}`;
    void watchObjects<PodView & { metadata: { deletionTimestamp?: string } }>(
      this.client,
      { apiVersion: 'v1', resource: 'pods', namespace: this.namespace },
      {
        query: selector,
        signal: stop.signal,
        onEvent: (e) => {
          if (e.type === 'DELETED' || e.object.metadata.deletionTimestamp || !assessPod(e.object).ready) recover();
        },
        onInterrupt: onError,
      },
    );
  }

  private async recover(signal?: AbortSignal): Promise<string> {
    if (await this.isReady()) return this.podName;
    const progress = this.parts.hooks.onProgress;
    progress?.({ phase: 'reconnecting', pod: this.podName, detail: 'shadow pod gone or not ready; reconnecting…' });
    const recreated = !this.parts.useDeployment && !this.joined && (await this.recreateIfGone(signal));
    const { timeoutSeconds, input } = this.parts;
    this.podName = await waitForShadowPod(this.client, this.locator(), {
      timeoutSeconds,
      image: input.image,
      onProgress: progress,
      signal,
    });
    progress?.({
      phase: 'connected',
      pod: this.podName,
      detail: recreated ? 'reconnected (its pod was gone, e.g. removed by a clean while this laptop slept; recreated it)' : 'reconnected',
    });
    return this.podName;
  }

  private async isReady(): Promise<boolean> {
    const pod = await this.client.find<PodView & { metadata: { deletionTimestamp?: string } }>({
      apiVersion: 'v1',
      resource: 'pods',
      namespace: this.namespace,
      name: this.podName,
    });
    return Boolean(pod && !pod.metadata.deletionTimestamp && assessPod(pod).ready);
  }

  /**
   * Brings a lost bare pod back under the same name: a pod that still exists (a restarting container) is
   * left to the kubelet; a terminating one is waited out (bounded) and created again, with its ConfigMap
   * if that went too.
   */
  private async recreateIfGone(signal?: AbortSignal): Promise<boolean> {
    const { workload, configMap } = this.parts.refs;
    for (let i = 0; i < 60; i++) {
      const pod = await this.client.find<{ metadata: { deletionTimestamp?: string } }>(workload);
      if (!pod) break;
      if (!pod.metadata.deletionTimestamp) return false;
      await sleep(500, undefined, { signal });
    }
    const input = { ...this.parts.input, heartbeat: await this.client.clusterUnixSeconds() };
    if (!(await this.client.find(configMap))) await this.client.create(configMap, keysConfigMap(input));
    await this.client.create(workload, shadowPod(input));
    return true;
  }

  /** Stops the heartbeat, deletes what this run created (or leaves the shared shadow) and the private key. Idempotent. */
  cleanup(): Promise<void> {
    this.cleaned ??= this.doCleanup();
    return this.cleaned;
  }

  /** A Deployment's pods outlive it for a moment: wait (bounded) until none carries this shadow's kt-target. */
  private async waitPodsGone(timeoutMs: number): Promise<void> {
    const query = `labelSelector=${encodeURIComponent(`kt-target=${this.target}`)}`;
    const deadline = Date.now() + timeoutMs;
    while (
      Date.now() < deadline &&
      (await this.client.list({ apiVersion: 'v1', resource: 'pods', namespace: this.namespace }, query)).items.length > 0
    ) {
      await sleep(250);
    }
  }

  private async doCleanup(): Promise<void> {
    this.supervisor?.stop();
    await this.parts.heartbeat.stop();
    await this.recovering?.catch(() => undefined);
    try {
      if (this.joined || (this.parts.input.shared && this.createdRefs.length === 2)) {
        await leaveSharedShadow(this.client, this.parts.refs.workload, this.publicKey);
      } else {
        // The pod first (it mounts the ConfigMap); waiting makes "gone after exit" true when we return.
        // The agent has nothing to flush, so its pod goes without a grace period; a Deployment is deleted in
        // the foreground, so waiting for it also waits for its pod.
        for (const ref of [...this.createdRefs].reverse()) {
          await this.client.delete(ref, ref.resource === 'deployments' ? { propagationPolicy: 'Foreground' } : { gracePeriodSeconds: 0 });
        }
        await Promise.all(this.createdRefs.map((ref) => this.client.deleteAndWait(ref, this.parts.deleteWaitMs ?? 15_000)));
        if (this.parts.useDeployment) await this.waitPodsGone(this.parts.deleteWaitMs ?? 15_000);
      }
    } finally {
      await this.parts.keyFile.remove();
    }
  }
}
