import type { KubeClient, ObjectRef } from '../client.js';
import { Keys } from '../names.js';

/** KtConnect's heartbeat period; `clean` treats 5 minutes without one as stale. */
export const HEARTBEAT_INTERVAL_MS = 120_000;

/**
 * Refreshes `kt-last-heart-beat` (cluster unix seconds) on every object a run created, so `clean` on
 * any laptop can tell a live run from a dead one without trusting anybody's clock.
 */
export class Heartbeat {
  private readonly refs = new Map<string, ObjectRef>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly onError: (err: unknown, ref: ObjectRef) => void = () => {},
    private readonly intervalMs = HEARTBEAT_INTERVAL_MS,
  ) {}

  /** Starts beating on these objects too. */
  add(ref: ObjectRef): void {
    this.refs.set(key(ref), ref);
  }

  remove(ref: ObjectRef): void {
    this.refs.delete(key(ref));
  }

  get objects(): ObjectRef[] {
    return [...this.refs.values()];
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
    this.timer.unref();
  }

  /** One beat now; errors go to onError (a missing object is the supervisor's business, not ours). */
  beat(): Promise<void> {
    this.running ??= this.beatAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async beatAll(): Promise<void> {
    let now: number;
    try {
      now = await this.client.clusterUnixSeconds();
    } catch (err) {
      for (const ref of this.refs.values()) this.onError(err, ref);
      return;
    }
    const patch = { metadata: { annotations: { [Keys.lastHeartBeat]: String(now) } } };
    await Promise.all(
      [...this.refs.values()].map((ref) => this.client.mergePatch(ref, patch).catch((err: unknown) => this.onError(err, ref))),
    );
  }

  /** Stops the timer and waits for a beat in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

function key(ref: ObjectRef): string {
  return `${ref.apiVersion}/${ref.resource}/${ref.namespace}/${ref.name}`;
}
