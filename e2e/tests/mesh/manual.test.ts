// `ktctl mesh --mode manual`: only a shadow pod carrying the original pods' labels plus the version label
// (for the user's own mesh rules); the Service and everything else stay as they were.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Background } from '../../harness/index.js';
import { ktctlEnv } from '../connect/ktctl.js';
import { appPorts, endMesh, ktMade, serviceObject, startLaptopApp, startMesh, useMeshFile, waitNoneMade } from './support.js';

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

describe('mesh --mode manual', () => {
  it('makes only a shadow labelled like the pods plus the version, says which label to select on, and leaves nothing', async () => {
    const { args, env } = ktctlEnv(cluster);
    const original = await serviceObject(cluster, ns, 'app');
    const run = await startMesh(
      laptop,
      [...args, '-n', ns, 'app', '--mode', 'manual', '--expose', `${httpPort}:8080`, '--versionMark', 'version:v2'],
      env,
      'alice',
    );
    try {
      expect(run.output()).toMatch(/selecting on label version=v2/);
      expect(await ktMade(cluster, ns)).toEqual(['configmap/app-kt-mesh-v2', 'pod/app-kt-mesh-v2']);
      const shadow = await cluster.getJson(['-n', ns, 'pod', 'app-kt-mesh-v2']);
      expect(shadow.metadata.labels).toMatchObject({
        app: 'app',
        tier: 'backend',
        version: 'v2',
        'control-by': 'kt',
        'kt-role': 'shadow-mesh',
      });
      expect(shadow.metadata.labels['pod-template-hash']).toBeUndefined();
      // Named like the Service's target port, so a subset selecting it resolves `http` there.
      expect(shadow.spec.containers[0].ports).toContainEqual({ name: 'http', containerPort: 8080, protocol: 'TCP' });
      expect(await serviceObject(cluster, ns, 'app')).toEqual(original);
    } finally {
      await endMesh(run);
    }
    expect(run.output()).toMatch(/Shadow app-kt-mesh-v2 removed/);
    expect(await serviceObject(cluster, ns, 'app')).toEqual(original);
    await waitNoneMade(cluster, ns);
  });
});
