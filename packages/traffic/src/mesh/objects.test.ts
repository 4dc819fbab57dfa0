import { describe, expect, it } from 'vitest';
import type { ServiceView } from '@ktctl/kube';
import { meshService, routedPorts, routerPod, stuntmanService, type MeshMeta } from './objects.js';
import { manualLabels } from './manual.js';
import { recreatedPod } from './router-supervisor.js';

const svc: ServiceView = {
  metadata: { name: 'web' },
  spec: {
    selector: { app: 'web' },
    ports: [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' },
      { name: 'alt', port: 8080, protocol: 'TCP', targetPort: 8080 },
      { name: 'grpc', port: 9090, protocol: 'TCP', targetPort: 9090 },
      { name: 'dns', port: 53, protocol: 'UDP', targetPort: 5353 },
    ],
  },
};
const pod = {
  metadata: { name: 'web-1', labels: { app: 'web', tier: 'fe', 'pod-template-hash': 'abc' } },
  spec: { containers: [{ image: 'x', ports: [{ name: 'http', containerPort: 8080 }] }] },
} as never;
const meta: MeshMeta = { namespace: 'team', service: 'web', user: 'alice', heartbeat: 1700, extraLabels: { team: 'a' } };
const rules = {
  generation: 1,
  default: 'web-kt-stuntman',
  routes: [{ header: 'version', value: 'a', backend: 'web-kt-mesh-a', user: 'alice' }],
};

describe('mesh objects', () => {
  it('resolves each TCP target port once (named ones through a pod), UDP apart', () => {
    const { tcp, udp } = routedPorts(svc, [pod]);
    expect(tcp.map((p) => [p.number, p.name])).toEqual([
      [8080, 'http'],
      [9090, undefined],
    ]);
    expect(udp).toEqual([5353]);
  });

  it('the stuntman keeps the original selector, listening on target port numbers that lead to the original target ports', () => {
    const s = stuntmanService('web-kt-stuntman', meta, { app: 'web' }, routedPorts(svc, [pod]).tcp);
    expect(s.metadata.labels).toEqual({ team: 'a', 'control-by': 'kt', 'kt-role': 'router' });
    expect(s.metadata.annotations).toMatchObject({ 'kt-user': 'alice', 'kt-last-heart-beat': '1700', 'kt-config': 'service=web' });
    expect(s.spec).toEqual({
      type: 'ClusterIP',
      selector: { app: 'web' },
      ports: [
        { name: 'tcp-8080', port: 8080, targetPort: 'http', protocol: 'TCP' },
        { name: 'tcp-9090', port: 9090, targetPort: 9090, protocol: 'TCP' },
      ],
    });
  });

  it('a mesh Service selects one shadow by kt-target on the exposed ports', () => {
    const m = meshService('web-kt-mesh-a', meta, 'tgt', [8080]);
    expect(m.metadata.labels['kt-role']).toBe('shadow-mesh');
    expect(m.spec.selector).toEqual({ 'kt-target': 'tgt' });
    expect(m.spec.ports).toEqual([{ name: 'tcp-8080', port: 8080, targetPort: 8080, protocol: 'TCP' }]);
  });

  it('the router pod runs the router from the image with its rules in an annotation it reads back through the downward API', () => {
    const p = routerPod(
      { name: 'web-kt-router', image: 'img', target: 'rt', ports: routedPorts(svc, [pod]).tcp, rules, nodeSelector: { zone: 'a' } },
      meta,
    );
    expect(p.metadata.labels).toMatchObject({ 'control-by': 'kt', 'kt-role': 'router', 'kt-target': 'rt' });
    expect(JSON.parse(p.metadata.annotations['kt-router-rules'])).toEqual(rules);
    expect(p.metadata.annotations['kt-ref-count']).toBe('1');
    const c = p.spec.containers[0];
    expect(c.command).toEqual([
      '/usr/local/bin/node',
      '--max-semi-space-size=1',
      '--max-old-space-size=64',
      '--v8-pool-size=1',
      '/opt/ktctl/router.cjs',
    ]);
    expect(c.env).toContainEqual({ name: 'KT_ROUTER_PORTS', value: '8080,9090' });
    expect(c.env).toContainEqual({ name: 'KT_ROUTER_DEFAULT_BACKEND', value: 'web-kt-stuntman' });
    expect(c.ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { containerPort: 9090, protocol: 'TCP' },
      { name: 'kt-control', containerPort: 60080, protocol: 'TCP' },
    ]);
    expect(p.spec.volumes[0].downwardAPI.items).toEqual([{ path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } }]);
    expect(p.spec.nodeSelector).toEqual({ zone: 'a' });
  });

  it('a recreated router keeps its kt-target and the routes whose mesh Services still exist (and its own)', () => {
    const two = {
      ...rules,
      generation: 4,
      routes: [
        ...rules.routes,
        { header: 'version', value: 'b', backend: 'web-kt-mesh-b', user: 'bob' },
        { header: 'version', value: 'c', backend: 'web-kt-mesh-c', user: 'carol' },
      ],
    };
    const last: Record<string, any> = {
      ...routerPod({ name: 'web-kt-router', image: 'img', target: 'rt', ports: [], rules: two }, meta),
      status: { phase: 'Running' },
    };
    last.spec.nodeName = 'n1';
    const again = recreatedPod(last as never, new Set(['web-kt-mesh-b']), rules.routes[0]!);
    expect(again.metadata.labels['kt-target']).toBe('rt');
    expect(again.spec.nodeName).toBeUndefined();
    expect(again.status).toBeUndefined();
    expect(JSON.parse(again.metadata.annotations['kt-router-rules'])).toMatchObject({
      generation: 5,
      routes: [{ user: 'alice' }, { user: 'bob' }],
    });
    expect(again.metadata.annotations['kt-ref-count']).toBe('2');
  });

  it('manual mode copies an original pod’s labels (not its controller’s) and adds the version label', () => {
    expect(manualLabels({ pods: [pod], selector: { app: 'web' }, mark: { key: 'version', value: 'v2' } })).toEqual({
      app: 'web',
      tier: 'fe',
      version: 'v2',
    });
    expect(manualLabels({ pods: [], selector: { app: 'web', version: 'v1' }, mark: { key: 'version', value: 'v2' } })).toEqual({
      app: 'web',
      version: 'v2',
    });
  });
});
