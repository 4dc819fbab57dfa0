import { ErrorCode, UserError } from '@ktctl/plugin-api';
import {
  assessPod,
  getService,
  readyPodsOfService,
  selectorQuery,
  watchObjects,
  type KubeClient,
  type PodWithPorts,
  type ServiceView,
} from '@ktctl/kube';

/** What the follower tells the user: the pod it forwards to went away, or it now forwards to another. */
export type FollowEvent = { kind: 'lost'; pod: string; why: string } | { kind: 'following'; pod: string; previous?: string | undefined };

type WatchedPod = PodWithPorts & { metadata: { resourceVersion?: string } };

function unusable(pod: WatchedPod, deleted: boolean): string | undefined {
  if (deleted) return 'deleted';
  if (pod.metadata.deletionTimestamp) return 'terminating';
  if (!assessPod(pod).ready) return 'not ready';
  return undefined;
}

/**
 * Keeps track of one ready pod of a Service for `forward`: a watch on the Service's pods notices at once
 * when the pod goes away (deleted, terminating, not ready) and adopts the next ready one, so a restarted
 * Deployment is followed without the user doing anything. Its `pod` method is a PortForwarder resolver.
 */
export class ServicePodFollower {
  private current: string | undefined;
  private last: string | undefined;
  private readonly stopWatch = new AbortController();

  constructor(
    private readonly client: KubeClient,
    private readonly service: ServiceView,
    private readonly onEvent: (event: FollowEvent) => void = () => undefined,
  ) {}

  get namespace(): string {
    return this.service.metadata.namespace ?? this.client.namespace;
  }

  /** The pod forwarded to now (undefined while none is ready). */
  get pod(): string | undefined {
    return this.current;
  }

  /** Picks the first ready pod (KT_POD_NOT_READY when there is none) and starts watching. */
  async start(): Promise<PodWithPorts> {
    const pods = await readyPodsOfService(this.client, this.service);
    const first = pods[0];
    if (!first) throw this.noReadyPod();
    this.current = this.last = first.metadata.name;
    const selector = this.service.spec.selector ?? {};
    void watchObjects<WatchedPod>(
      this.client,
      { apiVersion: 'v1', resource: 'pods', namespace: this.namespace },
      {
        query: selectorQuery(selector),
        signal: this.stopWatch.signal,
        onEvent: (e) => this.onPodEvent(e.object, e.type === 'DELETED'),
      },
    );
    return first;
  }

  /**
   * The resolver: the followed pod, or — after a failed stream (`retry`), or while none is known — a
   * fresh look at the Service's ready pods, preferring the current one.
   */
  resolve = async (reason: 'initial' | 'retry' = 'initial'): Promise<string> => {
    if (this.current && reason === 'initial') return this.current;
    const svc = await getService(this.client, this.service.metadata.name, this.namespace);
    const pods = await readyPodsOfService(this.client, svc);
    const next = pods.find((p) => p.metadata.name === this.current) ?? pods[0];
    if (!next) throw this.noReadyPod();
    this.adopt(next.metadata.name);
    return next.metadata.name;
  };

  stop(): void {
    this.stopWatch.abort();
  }

  private onPodEvent(pod: WatchedPod, deleted: boolean): void {
    const name = pod.metadata.name;
    const why = unusable(pod, deleted);
    if (name === this.current && why) {
      this.current = undefined;
      this.onEvent({ kind: 'lost', pod: name, why });
    }
    if (this.current === undefined && !why) this.adopt(name);
  }

  private adopt(name: string): void {
    if (name === this.current) return;
    const previous = this.last;
    this.current = this.last = name;
    this.onEvent({ kind: 'following', pod: name, previous });
  }

  private noReadyPod(): UserError {
    const name = this.service.metadata.name;
    const labels = Object.entries(this.service.spec.selector ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    if (!labels)
      return new UserError(ErrorCode.PodNotReady, `Service ${name} has no selector, so it has no pods to forward to`, {
        hint: 'Forward to a Service that selects pods',
      });
    return new UserError(ErrorCode.PodNotReady, `Service ${name} has no ready pod in namespace ${this.namespace}`, {
      hint: `kubectl -n ${this.namespace} get pods -l ${labels}`,
    });
  }
}
