import { describe, expect, it } from 'vitest';
import { previewService, serviceExistsError } from './preview-service.js';

describe('previewService', () => {
  it('selects the shadow by kt-target and maps each remote port to itself, with KtConnect labels', () => {
    const svc = previewService({
      name: 'demo',
      namespace: 'dev',
      target: 'abcde',
      ports: [
        { local: 3000, remote: 80 },
        { local: 9000, remote: 9000 },
      ],
      external: false,
      portNamePrefix: 'kt-',
      user: 'ann',
      heartbeat: 1700000000,
    });
    expect(svc.metadata.labels).toEqual({ 'control-by': 'kt', 'kt-role': 'shadow-preview' });
    expect(svc.metadata.annotations).toMatchObject({ 'kt-user': 'ann', 'kt-last-heart-beat': '1700000000' });
    expect(svc.spec).toEqual({
      type: 'ClusterIP',
      selector: { 'kt-target': 'abcde' },
      ports: [
        { name: 'kt-80', port: 80, targetPort: 80, protocol: 'TCP' },
        { name: 'kt-9000', port: 9000, targetPort: 9000, protocol: 'TCP' },
      ],
    });
  });

  it('is a LoadBalancer with --external', () => {
    expect(
      previewService({
        name: 'demo',
        namespace: 'dev',
        target: 't',
        ports: [{ local: 1, remote: 1 }],
        external: true,
        portNamePrefix: 'p-',
        user: 'u',
        heartbeat: 1,
      }).spec.type,
    ).toBe('LoadBalancer');
  });
});

describe('serviceExistsError', () => {
  it('names the ktctl user of a live preview', () => {
    const e = serviceExistsError('demo', 'dev', {
      metadata: { labels: { 'control-by': 'kt', 'kt-role': 'shadow-preview' }, annotations: { 'kt-user': 'bob' } },
    });
    expect(e).toMatchObject({ code: 'KT_ALREADY_REDIRECTED', message: 'Service demo in namespace dev is already previewed by bob' });
  });

  it('says a foreign Service is never overwritten', () => {
    const e = serviceExistsError('web', 'dev', { metadata: {} });
    expect(e).toMatchObject({
      code: 'KT_ALREADY_EXISTS',
      message: 'Service web already exists in namespace dev and was not made by ktctl',
    });
    expect(e.hint).toMatch(/never overwrites/);
  });
});
