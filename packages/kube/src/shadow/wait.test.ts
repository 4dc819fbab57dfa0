import { describe, expect, it } from 'vitest';
import { assessPod, imagePullError, lastEventLine, podNotReadyError, type PodView } from './wait.js';

const base: PodView = {
  metadata: { name: 'kt-connect-shadow-abcde' },
  spec: { nodeName: 'n1', containers: [{ image: 'ghcr.io/ktctl/shadow:1.0.0' }] },
};

describe('assessPod', () => {
  it('reports scheduled, pulling, image present, running and ready in order', () => {
    const pod: PodView = {
      ...base,
      status: {
        phase: 'Running',
        conditions: [
          { type: 'PodScheduled', status: 'True' },
          { type: 'Ready', status: 'True' },
        ],
        containerStatuses: [{ ready: true, state: { running: {} } }],
      },
    };
    const a = assessPod(pod, [{ reason: 'Pulling' }, { reason: 'Pulled', message: 'Successfully pulled image' }]);
    expect(a.phases.map((p) => p.phase)).toEqual(['scheduled', 'pulling', 'image-present', 'running', 'ready']);
    expect(a.ready).toBe(true);
  });

  it('says the image was already present', () => {
    const a = assessPod({ ...base, status: { phase: 'Pending' } }, [
      { reason: 'Pulled', message: 'Container image "x" already present on machine' },
    ]);
    expect(a.phases.at(-1)?.detail).toContain('already present');
    expect(a.ready).toBe(false);
  });

  it('is running but not ready until the Ready condition holds', () => {
    const a = assessPod({ ...base, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } });
    expect(a.ready).toBe(false);
    expect(a.phases.map((p) => p.phase)).toEqual(['scheduled', 'image-present', 'running']);
  });

  it.each(['ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull'])('fails at once on %s', (reason) => {
    const a = assessPod({
      ...base,
      status: { phase: 'Pending', containerStatuses: [{ state: { waiting: { reason, message: 'not found' } } }] },
    });
    expect(a.failure).toBe('image-pull');
    expect(a.failureDetail).toBe(`${reason}: not found`);
  });
});

describe('errors', () => {
  it('name the image and the registry setting', () => {
    const e = imagePullError('ghcr.io/ktctl/shadow:1.0.0', 'ErrImagePull: rpc error\nmore');
    expect(e.code).toBe('KT_IMAGE_PULL_FAILED');
    expect(e.message).toBe('The cluster cannot pull the shadow image ghcr.io/ktctl/shadow:1.0.0 (ErrImagePull: rpc error)');
    expect(e.hint).toContain('--imageRegistry');
  });

  it('carry the newest event when the pod never gets ready', () => {
    const last = lastEventLine([
      { reason: 'Scheduled', message: 'ok', lastTimestamp: '2026-01-01T00:00:01Z' },
      { reason: 'FailedScheduling', message: '0/1 nodes are available:\n  insufficient cpu', lastTimestamp: '2026-01-01T00:00:05Z' },
    ]);
    expect(last).toBe('FailedScheduling: 0/1 nodes are available: insufficient cpu');
    const e = podNotReadyError('p', 60, last);
    expect(e.code).toBe('KT_POD_NOT_READY');
    expect(e.message).toContain('within 60s (last event: FailedScheduling');
  });
});
