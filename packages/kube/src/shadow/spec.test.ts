import { describe, expect, it } from 'vitest';
import { keysConfigMap, parsePodQuota, shadowDeployment, shadowPod, type ShadowSpecInput } from './spec.js';

const input: ShadowSpecInput = {
  name: 'kt-connect-shadow-abcde',
  namespace: 'dev',
  purpose: { kind: 'connect' },
  image: 'ghcr.io/ktctl/shadow:1.0.0',
  target: 'zyxwv',
  authorizedKeys: 'ssh-ed25519 AAAA ktctl',
  user: 'alice',
  heartbeat: 1_800_000_000,
};

describe('shadow objects', () => {
  it('carry KtConnect’s labels and annotations on every object', () => {
    const pod = shadowPod({ ...input, extraLabels: { team: 'a' }, extraAnnotations: { note: 'x' }, config: { service: 'web' } });
    expect(pod.metadata.labels).toEqual({ team: 'a', 'control-by': 'kt', 'kt-role': 'shadow-connect', 'kt-target': 'zyxwv' });
    expect(pod.metadata.annotations).toEqual({
      note: 'x',
      'kt-user': 'alice',
      'kt-last-heart-beat': '1800000000',
      'kt-config': 'service=web',
    });
    const cm = keysConfigMap(input);
    expect(cm.metadata.labels['control-by']).toBe('kt');
    expect(cm.data).toEqual({ authorized_keys: 'ssh-ed25519 AAAA ktctl\n' });
  });

  it('never lets --withLabel override control-by or kt-target', () => {
    const pod = shadowPod({ ...input, extraLabels: { 'control-by': 'me', 'kt-target': 'x' } });
    expect(pod.metadata.labels['control-by']).toBe('kt');
    expect(pod.metadata.labels['kt-target']).toBe('zyxwv');
  });

  it('mount the keys ConfigMap and pass the agent its env', () => {
    const spec = shadowPod(input).spec;
    expect(spec.volumes).toEqual([{ name: 'kt-keys', configMap: { name: input.name, defaultMode: 0o444 } }]);
    const c = spec.containers[0];
    expect(c.volumeMounts[0].mountPath).toBe('/etc/kt');
    expect(c.env).toContainEqual({ name: 'KT_AUTHORIZED_KEYS', value: '/etc/kt/authorized_keys' });
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(spec.serviceAccountName).toBeUndefined();
  });

  it('honour the scheduling, pull and quota flags', () => {
    const spec = shadowPod({
      ...input,
      forceUpdate: true,
      nodeSelector: { disk: 'ssd' },
      imagePullSecret: 'regcred',
      serviceAccount: 'kt',
      podQuota: '0.5,512Mi',
    }).spec;
    expect(spec.containers[0].imagePullPolicy).toBe('Always');
    expect(spec.nodeSelector).toEqual({ disk: 'ssd' });
    expect(spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(spec.serviceAccountName).toBe('kt');
    expect(spec.containers[0].resources).toEqual({ requests: { cpu: '0.5', memory: '512Mi' }, limits: { cpu: '0.5', memory: '512Mi' } });
  });

  it('start a shared shadow with a reference count of 1', () => {
    expect(shadowPod({ ...input, shared: true }).metadata.annotations['kt-ref-count']).toBe('1');
  });

  it('as a Deployment select the pod by kt-target', () => {
    const d = shadowDeployment({ ...input, podLabels: { app: 'web' } });
    expect(d.spec.selector.matchLabels).toEqual({ 'kt-target': 'zyxwv' });
    expect(d.spec.template.metadata.labels).toMatchObject({ app: 'web', 'kt-target': 'zyxwv', 'control-by': 'kt' });
    expect(d.spec.template.spec.restartPolicy).toBeUndefined();
  });
});

describe('parsePodQuota', () => {
  it('reads cpu,memory and rejects garbage', () => {
    expect(parsePodQuota(undefined)).toBeUndefined();
    expect(parsePodQuota(',256Mi')).toEqual({ requests: { memory: '256Mi' }, limits: { memory: '256Mi' } });
    expect(() => parsePodQuota('lots')).toThrow(expect.objectContaining({ code: 'KT_INVALID_FLAG' }));
    expect(() => parsePodQuota('1,2Gi,3')).toThrow(expect.objectContaining({ code: 'KT_INVALID_FLAG' }));
  });
});
