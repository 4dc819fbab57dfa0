import { ErrorCode, UserError } from '@ktctl/plugin-api';

/** Steps of a shadow pod coming up, reported as they are reached. */
export type ShadowPhase = 'created' | 'scheduled' | 'pulling' | 'image-present' | 'running' | 'ready' | 'reconnecting' | 'connected';

/** One progress report: the phase and a short human detail ("on node n1", "pulling ghcr.io/..."). */
export interface ShadowProgress {
  phase: ShadowPhase;
  pod: string;
  detail: string;
}

/** The pod and event fields the assessment reads. */
export interface PodView {
  metadata: { name: string };
  spec?: { nodeName?: string; containers?: Array<{ image: string }> };
  status?: {
    phase?: string;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    containerStatuses?: Array<{
      ready?: boolean;
      restartCount?: number;
      state?: {
        waiting?: { reason?: string; message?: string };
        running?: object;
        terminated?: { reason?: string; exitCode?: number; message?: string };
      };
    }>;
  };
}
export interface EventView {
  reason?: string;
  message?: string;
  type?: string;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  metadata?: { creationTimestamp?: string };
}

/** What a look at the pod says: phases reached so far, a fatal problem, and whether it is ready. */
export interface PodAssessment {
  phases: Array<{ phase: ShadowPhase; detail: string }>;
  ready: boolean;
  failure?: 'image-pull';
  failureDetail?: string;
}

const PULL_FAILURES = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'RegistryUnavailable']);

/** Reads the pod status and its events into phases; image-pull failures are fatal at once. */
export function assessPod(pod: PodView, events: readonly EventView[] = []): PodAssessment {
  const phases: PodAssessment['phases'] = [];
  const cond = (type: string) => pod.status?.conditions?.find((c) => c.type === type)?.status === 'True';
  if (cond('PodScheduled') || pod.spec?.nodeName) phases.push({ phase: 'scheduled', detail: `on node ${pod.spec?.nodeName ?? '?'}` });
  const image = pod.spec?.containers?.[0]?.image ?? '?';
  for (const e of events) {
    if (e.reason === 'Pulling') phases.push({ phase: 'pulling', detail: `pulling ${image}` });
    if (e.reason === 'Pulled')
      phases.push({
        phase: 'image-present',
        detail: e.message?.includes('already present') ? `${image} already present` : `${image} pulled`,
      });
  }
  const status = pod.status?.containerStatuses?.[0];
  const waiting = status?.state?.waiting;
  if (waiting?.reason && PULL_FAILURES.has(waiting.reason)) {
    return { phases, ready: false, failure: 'image-pull', failureDetail: `${waiting.reason}: ${waiting.message ?? ''}`.trim() };
  }
  if (pod.status?.phase === 'Running') {
    // A running container had its image, even if the Pulled event has not been read yet.
    if (!phases.some((p) => p.phase === 'image-present')) phases.push({ phase: 'image-present', detail: `${image} present` });
    phases.push({ phase: 'running', detail: 'agent started' });
  }
  const ready = pod.status?.phase === 'Running' && cond('Ready');
  if (ready) phases.push({ phase: 'ready', detail: 'agent ready' });
  return { phases, ready };
}

/** The newest event as one line, for "never became ready" errors. */
export function lastEventLine(events: readonly EventView[]): string | undefined {
  const time = (e: EventView) => Date.parse(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? '') || 0;
  const last = [...events].sort((a, b) => time(a) - time(b)).pop();
  return last ? `${last.reason ?? ''}: ${(last.message ?? '').replace(/\s+/g, ' ').trim()}` : undefined;
}

/** KT_IMAGE_PULL_FAILED naming the image and the settings that choose it. */
export function imagePullError(image: string, detail: string): UserError {
  return new UserError(ErrorCode.ImagePullFailed, `The cluster cannot pull the shadow image ${image} (${firstLine(detail)})`, {
    hint: 'Set --imageRegistry (air-gapped clusters) or --image, and --imagePullSecret if the registry needs credentials',
  });
}

/** KT_POD_NOT_READY with what the pod last reported. */
export function podNotReadyError(pod: string, seconds: number, last: string | undefined): UserError {
  return new UserError(
    ErrorCode.PodNotReady,
    `Shadow pod ${pod} was not ready within ${seconds}s${last ? ` (last event: ${firstLine(last)})` : ''}`,
    {
      hint: 'Raise --podCreationTimeout, or check the node: kubectl describe pod ' + pod,
    },
  );
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
