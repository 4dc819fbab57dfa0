// `ktctl exchange` in selector mode against the real cluster: a pod calls the Service by name and reaches
// a server on the laptop on every exposed port (named target ports), a second exchange is refused by name,
// edits and a lost shadow pod are survived, and on exit the Service is exactly as before.
import { beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type Background } from '../../harness/index.js';
import { ktctl, ktctlEnv } from '../connect/ktctl.js';
import { dropApiConnections, endExchange, ktMade, startExchange, waitNoneMade } from './support.js';
import { httpFromPod, laptopPorts, serviceObject, tcpFromPod, waitForHttp, useExchangeFile } from './workloads.js';

const { cluster, laptop, httpPort, tcpPort, ns: namespace } = useExchangeFile(import.meta.filename);
let ns: string;
beforeAll(() => {
  ns = namespace();
});

describe('exchange --mode selector', () => {
  it('sends the Service to the laptop on every exposed port, refuses a second exchange by name, and restores the Service exactly', async () => {
    const { args, env: kenv } = ktctlEnv(cluster);
    const original = await serviceObject(cluster, ns, 'echo');
    expect(await httpFromPod(cluster, ns, 'echo', 80)).toMatch(/hello from echo-/);
    const run = await startExchange(laptop, [...args, '-n', ns, 'echo', '--expose', `${httpPort}:8080,${tcpPort}:9000`], kenv, 'alice');
    try {
      // Service port 80 → named target port http (8080) → laptop; 9000 → tcp-echo → laptop.
      expect(await waitForHttp(cluster, ns, 'echo', 80, /laptop:\/$/)).toMatch(/laptop:\/$/);
      expect(await httpFromPod(cluster, ns, 'echo', 80, '/some/path')).toMatch(/laptop:\/some\/path$/);
      expect(await tcpFromPod(cluster, ns, 'echo', 9000, 'ping')).toBe('laptop-tcp:ping');
      const svc = await cluster.getJson(['-n', ns, 'service', 'echo']);
      expect(svc.metadata.annotations['kt-selector']).toBe('{"app":"echo"}');
      expect(svc.metadata.annotations['kt-user']).toBe('alice');
      expect(Object.keys(svc.spec.selector)).toEqual(['kt-target']);

      // A second developer, through the Deployment this time: refused, naming alice, nothing changed.
      const before = await serviceObject(cluster, ns, 'echo');
      const objectsBefore = await ktMade(cluster, ns);
      const second = await ktctl(laptop, ['exchange', ...args, '-n', ns, 'deployment/echo', '--expose', `${httpPort}:8080`], {
        ...kenv,
        USER: 'bob',
      });
      expect(second.code).toBe(1);
      expect(second.stderr.trim().split('\n')).toHaveLength(1);
      expect(second.stderr).toMatch(/Service echo is already exchanged by alice .*\[KT_ALREADY_REDIRECTED\]/);
      expect(await serviceObject(cluster, ns, 'echo')).toEqual(before);
      expect(await ktMade(cluster, ns)).toEqual(objectsBefore);
    } finally {
      await endExchange(run);
    }
    expect(run.output()).toMatch(/Service echo is back to its own pods/);
    expect(await serviceObject(cluster, ns, 'echo')).toEqual(original);
    expect(await waitForHttp(cluster, ns, 'echo', 80, /hello from echo-/)).toMatch(/hello from echo-/);
    expect(await ktMade(cluster, ns)).toEqual([]);
  });

  it('puts the redirect back when someone edits the Service, and survives its shadow pod being deleted', async () => {
    const { args, env: kenv } = ktctlEnv(cluster);
    const original = await serviceObject(cluster, ns, 'echo');
    const run = await startExchange(laptop, [...args, '-n', ns, 'svc/echo', '--expose', `${httpPort}:8080`], kenv);
    try {
      await waitForHttp(cluster, ns, 'echo', 80, /laptop:/);
      // Someone re-applies the original selector: the watch points the Service back at the shadow.
      await cluster.kubectlOk([
        '-n',
        ns,
        'patch',
        'service',
        'echo',
        '--type=merge',
        '-p',
        '{"spec":{"selector":{"app":"echo","kt-target":null}}}',
      ]);
      await waitFor(async () => Object.keys((await cluster.getJson(['-n', ns, 'service', 'echo'])).spec.selector).join() === 'kt-target', {
        timeoutMs: 15_000,
        what: 'the redirect re-applied',
      });
      await run.waitForOutput(/changed by someone else; pointing it back/, 5_000);
      await waitForHttp(cluster, ns, 'echo', 80, /laptop:/);

      // The shadow pod goes (its port-forward and SSH session with it): recreated, tunnel reconnects.
      const shadow = (await ktMade(cluster, ns)).find((o) => o.startsWith('pod/'))!;
      await cluster.kubectlOk(['-n', ns, 'delete', shadow, '--wait=false']);
      await run.waitForOutput(/reconnecting…[\s\S]*Tunnel: connected \(reverse tunnel re-established/, 60_000);
      expect(await waitForHttp(cluster, ns, 'echo', 80, /laptop:/, 30_000)).toMatch(/laptop:/);
    } finally {
      await endExchange(run);
    }
    expect(await serviceObject(cluster, ns, 'echo')).toEqual(original);
    expect(await ktMade(cluster, ns)).toEqual([]);
  });

  it('survives its port-forward streams being cut while the shadow pod lives', async () => {
    const { args, env: kenv } = ktctlEnv(cluster);
    const original = await serviceObject(cluster, ns, 'echo');
    const run = await startExchange(laptop, [...args, '-n', ns, 'echo', '--expose', `${httpPort}:8080,${tcpPort}:9000`], kenv);
    try {
      await waitForHttp(cluster, ns, 'echo', 80, /laptop:/);
      const pod = (await ktMade(cluster, ns)).find((o) => o.startsWith('pod/'))!;
      const uid = (await cluster.getJson(['-n', ns, pod])).metadata.uid;
      expect(await dropApiConnections(laptop, run.pid)).toBeGreaterThan(0);
      await run.waitForOutput(/reconnecting…[\s\S]*Tunnel: connected \(reverse tunnel re-established/, 60_000);
      expect(await tcpFromPod(cluster, ns, 'echo', 9000, 'after-drop')).toBe('laptop-tcp:after-drop');
      expect(await httpFromPod(cluster, ns, 'echo', 80, '/again')).toMatch(/laptop:\/again$/);
      // Same pod: the stream was re-made, nothing was recreated.
      expect((await cluster.getJson(['-n', ns, pod])).metadata.uid).toBe(uid);
    } finally {
      await endExchange(run);
    }
    expect(await serviceObject(cluster, ns, 'echo')).toEqual(original);
    expect(await ktMade(cluster, ns)).toEqual([]);
  });

  it('works with --useShadowDeployment (the Service selects the pod of the shadow Deployment), removed on exit', async () => {
    const { args, env: kenv } = ktctlEnv(cluster);
    const original = await serviceObject(cluster, ns, 'echo');
    const run = await startExchange(laptop, [...args, '-n', ns, 'echo', '--useShadowDeployment', '--expose', `${httpPort}:8080`], kenv);
    try {
      expect((await ktMade(cluster, ns)).filter((o) => o.startsWith('deployment.apps/echo-kt-exchange-'))).toHaveLength(1);
      expect(await waitForHttp(cluster, ns, 'echo', 80, /laptop:\/$/)).toMatch(/laptop:/);
    } finally {
      await endExchange(run);
    }
    expect(await serviceObject(cluster, ns, 'echo')).toEqual(original);
    await waitNoneMade(cluster, ns);
  });
});
