// `ktctl mesh` auto mode with one developer: from a pod in the cluster, requests without the header reach
// the Service's own pods and requests with it reach the laptop, for plain HTTP, a WebSocket, and gRPC
// (unary and server streaming); on exit the Service is exactly as before and nothing is left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Background } from '../../harness/index.js';
import { ktctlEnv } from '../connect/ktctl.js';
import {
  appPorts,
  endMesh,
  grpcWho,
  httpWho,
  ktMade,
  routerRules,
  serviceObject,
  startLaptopApp,
  startMesh,
  useMeshFile,
  waitAnswer,
  waitNoneMade,
  wsWho,
} from './support.js';

const { cluster, laptop, ns: namespace } = useMeshFile(import.meta.filename);
const [httpPort, grpcPort] = appPorts();
let ns: string;
let app: Background | undefined;
beforeAll(async () => {
  ns = namespace();
  app = await startLaptopApp(laptop, 'alice', httpPort, grpcPort);
});
afterAll(async () => {
  await app?.stop();
});

describe('mesh --mode auto', () => {
  it('routes by header for HTTP, WebSocket and gRPC, and restores the Service exactly on exit', async () => {
    const { args, env } = ktctlEnv(cluster);
    const original = await serviceObject(cluster, ns, 'app');
    const run = await startMesh(
      laptop,
      [...args, '-n', ns, 'app', '--expose', `${httpPort}:8080,${grpcPort}:9090`, '--versionMark', 'alice'],
      env,
      'alice',
    );
    try {
      expect(run.output()).toContain(`curl -H 'version: alice' http://app.${ns}:80/`);
      const header = 'version: alice';
      expect(await waitAnswer(() => httpWho(cluster, ns, header), /hello from laptop-alice/)).toMatch(/hello from laptop-alice/);
      expect(await httpWho(cluster, ns)).toMatch(/hello from app-/);
      expect(await httpWho(cluster, ns, 'version: bob')).toMatch(/hello from app-/);
      expect(await wsWho(cluster, ns, header)).toMatch(/laptop-alice/);
      expect(await wsWho(cluster, ns)).toMatch(/app-/);
      const grpc = await grpcWho(cluster, ns, header);
      expect(grpc.split('\n').filter((l) => /pod=laptop-alice/.test(l))).toHaveLength(4);
      const plain = await grpcWho(cluster, ns);
      expect(plain.split('\n').filter((l) => /pod=app-/.test(l))).toHaveLength(4);

      // KtConnect's objects and annotations.
      const svc = await cluster.getJson(['-n', ns, 'service', 'app']);
      expect(svc.metadata.annotations['kt-selector']).toBe('{"app":"app"}');
      const router = await cluster.getJson(['-n', ns, 'pod', 'app-kt-router']);
      expect(router.metadata.labels).toMatchObject({ 'control-by': 'kt', 'kt-role': 'router' });
      expect(svc.spec.selector).toEqual({ 'kt-target': router.metadata.labels['kt-target'] });
      expect(router.metadata.annotations['kt-ref-count']).toBe('1');
      expect((await cluster.getJson(['-n', ns, 'service', 'app-kt-stuntman'])).spec.selector).toEqual({ app: 'app' });
      expect((await routerRules(cluster, ns)).routes).toEqual([
        { header: 'version', value: 'alice', backend: 'app-kt-mesh-alice', user: 'alice' },
      ]);
      expect(await ktMade(cluster, ns)).toEqual([
        'configmap/app-kt-mesh-alice',
        'pod/app-kt-mesh-alice',
        'pod/app-kt-router',
        'service/app-kt-mesh-alice',
        'service/app-kt-stuntman',
      ]);
    } finally {
      await endMesh(run);
    }
    expect(run.output()).toMatch(/Left the mesh of app/);
    expect(await serviceObject(cluster, ns, 'app')).toEqual(original);
    await waitNoneMade(cluster, ns);
    expect(await waitAnswer(() => httpWho(cluster, ns, 'version: alice'), /hello from app-/)).toMatch(/hello from app-/);
  });
});
