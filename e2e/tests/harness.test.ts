// The harness checks itself: the laptop namespace reaches the API server and nothing else of the
// cluster, while the host reaches everything; DNS, port-forward and the restricted identity work.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { run, useClusterEnv, waitFor } from '../harness/index.js';

const env = useClusterEnv(import.meta.filename);
const { cluster, laptop } = env;
const ns = cluster.facts.testNamespace;

describe('the laptop namespace', () => {
  it('has no default route, only a route to the API server address', async () => {
    const routes = (await run('ip', ['-n', cluster.facts.laptopNetns, 'route', 'show'])).stdout;
    expect(routes).not.toMatch(/^default/m);
    expect(routes).toContain(`${cluster.facts.nodeIP} via`);
  });

  it('reaches the API server with the admin and the restricted kubeconfig', async () => {
    const admin = await laptop.kubectl(['get', 'nodes', '-o', 'name']);
    expect(admin.stderr).toBe('');
    expect(admin.stdout.trim()).toBe(`node/${cluster.facts.nodeName}`);
    const restricted = await laptop.kubectl(['-n', ns, 'get', 'services', '-o', 'name'], { as: 'restricted' });
    expect(restricted.stdout).toContain('service/echo');
  });

  it('cannot reach a ClusterIP, which the host can', async () => {
    const ip = await cluster.serviceIP(ns, 'echo');
    const fromLaptop = await laptop.curl(`http://${ip}/`, [], 3);
    expect(fromLaptop.code).not.toBe(0);
    const fromHost = await run('curl', ['-sS', '--max-time', '5', `http://${ip}/`]);
    expect(fromHost.stdout).toMatch(/^hello from echo-/);
  });

  it('cannot reach a pod IP, which the host can', async () => {
    const [podIP] = await cluster.podIPs(ns, 'app=web');
    expect(podIP).toBeDefined();
    expect(await laptop.canConnect(podIP!, 8080)).toBe(false);
    const fromHost = await run('curl', ['-sS', '--max-time', '5', `http://${podIP}:8080/bytes/1000`]);
    expect(fromHost.stdout.length).toBe(1000);
  });

  it('cannot resolve a cluster DNS name, which the host can through the cluster DNS IP', async () => {
    const name = `echo.${ns}.svc.cluster.local`;
    const viaDns = await laptop.run('dig', ['+short', '+time=1', '+tries=1', `@${cluster.facts.dnsIP}`, name], { timeoutMs: 10_000 });
    expect(viaDns.stdout).not.toMatch(/^\d+\.\d+\.\d+\.\d+$/m);
    const viaResolver = await laptop.run('getent', ['hosts', name], { timeoutMs: 10_000 });
    expect(viaResolver.code).not.toBe(0);
    const fromHost = await run('dig', ['+short', '+time=2', `@${cluster.facts.dnsIP}`, name]);
    expect(fromHost.stdout.trim()).toBe(await cluster.serviceIP(ns, 'echo'));
  });

  it('cannot open anything on the host but the API server port', async () => {
    expect(await laptop.canConnect(cluster.facts.nodeIP, 6443)).toBe(true);
    expect(await laptop.canConnect(cluster.facts.nodeIP, 10250)).toBe(false);
  });
});

describe('the guard rules', () => {
  // Drops are counted, so the test sees that the guard (not a missing route) stopped the packets.
  const podDrops = async () => {
    const rules = (await run('iptables', ['-t', 'raw', '-S', 'KTCLUSTER-GUARD', '-v'])).stdout;
    const m = rules.match(/^-A KTCLUSTER-GUARD -i ktbr0 -c (\d+) \d+ -j DROP$/m);
    if (!m) throw new Error(`no pod drop rule in:\n${rules}`);
    return Number(m[1]);
  };

  it('drop what a pod sends anywhere but pods, ClusterIPs and the host (here: to the laptop)', async () => {
    const before = await podDrops();
    const fromPod = await cluster.kubectl(['-n', ns, 'exec', 'deploy/echo', '--', 'nc', '-w', '2', cluster.facts.laptopIP, '7777'], {
      input: 'x',
      timeoutMs: 15_000,
    });
    expect(fromPod.code).not.toBe(0);
    expect(await podDrops()).toBeGreaterThan(before);
  });

  it('come first in raw PREROUTING, where kube-proxy never writes', async () => {
    const rules = (await run('iptables', ['-t', 'raw', '-S', 'PREROUTING'])).stdout.split('\n');
    expect(rules[1]).toBe('-A PREROUTING -j KTCLUSTER-GUARD');
  });
});

describe('the cluster', () => {
  it('routes the Service CIDR to the dummy interface on the host', async () => {
    const route = await run('ip', ['route', 'get', '10.96.123.45']);
    expect(route.stdout).toContain('dev ktsvc0');
  });

  it('answers kubernetes.default.svc.cluster.local from inside a pod', async () => {
    const r = await cluster.kubectl(['-n', ns, 'exec', 'deploy/echo', '--', 'nslookup', 'kubernetes.default.svc.cluster.local']);
    expect(r.stdout).toContain('10.96.0.1');
  });

  it('resolves a headless service to pod IPs from inside a pod', async () => {
    const pods = await cluster.podIPs(ns, 'app=echo');
    const r = await cluster.kubectl(['-n', ns, 'exec', 'deploy/web', '--', 'nslookup', `echo-headless.${ns}.svc.cluster.local`]);
    for (const ip of pods) expect(r.stdout).toContain(ip);
  });

  it('has a multi-port service with named target ports', async () => {
    const svc = await cluster.getJson<{ spec: { ports: { name: string; targetPort: string }[] } }>(['-n', ns, 'service', 'echo']);
    expect(svc.spec.ports.map((p) => `${p.name}->${p.targetPort}`)).toEqual(['http->http', 'tcp-echo->tcp-echo', 'udp-echo->udp-echo']);
  });

  it('echoes TCP and UDP through the ClusterIP from the host', async () => {
    const ip = await cluster.serviceIP(ns, 'echo');
    const tcp = await new Promise<string>((resolve, reject) => {
      const s = connect(9000, ip, () => s.end('ping-tcp'));
      let got = '';
      s.setTimeout(5_000, () => s.destroy(new Error('tcp echo timed out')));
      s.on('data', (d) => (got += d.toString()));
      s.on('close', () => resolve(got));
      s.on('error', reject);
    });
    expect(tcp).toBe('ping-tcp');
    const udp = await new Promise<string>((resolve, reject) => {
      const s = createSocket('udp4');
      const timer = setTimeout(() => (s.close(), reject(new Error('udp echo timed out'))), 5_000);
      s.on('message', (m) => (clearTimeout(timer), s.close(), resolve(m.toString())));
      s.send('ping-udp', 9001, ip);
    });
    expect(udp).toBe('ping-udp');
  });

  it('port-forwards through the API server from the laptop (kubectl port-forward)', async () => {
    const pf = laptop.start(cluster.facts.kubectl, cluster.kubectlArgs(['-n', ns, 'port-forward', 'svc/echo', ':80']));
    try {
      const m = await pf.waitForOutput(/Forwarding from 127\.0\.0\.1:(\d+)/, 30_000);
      const r = await laptop.curl(`http://127.0.0.1:${m[1]}/bytes/200000`, ['-o', '/dev/null', '-w', '%{size_download}']);
      expect(r.stdout).toBe('200000');
    } finally {
      await pf.stop();
    }
  });
});

describe('the restricted kubeconfig', () => {
  it('may read and port-forward but not create pods or patch services', async () => {
    const can = async (verb: string, resource: string, ...more: string[]) =>
      (await cluster.kubectl(['-n', ns, 'auth', 'can-i', verb, resource, ...more], { as: 'restricted' })).stdout.trim();
    expect(await can('list', 'pods')).toBe('yes');
    expect(await can('create', 'pods', '--subresource=portforward')).toBe('yes');
    expect(await can('create', 'pods')).toBe('no');
    expect(await can('patch', 'services')).toBe('no');

    const create = await cluster.kubectl(['-n', ns, 'run', 'nope', `--image=${cluster.facts.images.testapp}`], { as: 'restricted' });
    expect(create.code).not.toBe(0);
    expect(create.stderr).toMatch(/forbidden/i);
    const patch = await cluster.kubectl(['-n', ns, 'patch', 'service', 'echo', '-p', '{"metadata":{"labels":{"x":"y"}}}'], {
      as: 'restricted',
    });
    expect(patch.code).not.toBe(0);
    expect(patch.stderr).toMatch(/forbidden/i);
  });
});

describe('the per-file namespace', () => {
  it('exists, and the restricted identity can be granted in it', async () => {
    const name = env.namespace.name;
    expect(name).toMatch(/^kte2e-harness-[0-9a-f]{6}$/);
    await env.namespace.grantRestricted();
    const r = await waitFor(
      async () => (await cluster.kubectl(['-n', name, 'auth', 'can-i', 'list', 'pods'], { as: 'restricted' })).stdout.trim() === 'yes',
      { timeoutMs: 10_000, what: 'the role binding to take effect' },
    );
    expect(r).toBe(true);
  });
});

describe('image pulls', () => {
  it('never leave the machine: a missing image fails against the dead local proxy', async () => {
    const name = env.namespace.name;
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'nopull', namespace: name },
      spec: { containers: [{ name: 'main', image: 'registry.invalid.example/nothing:1', imagePullPolicy: 'IfNotPresent' }] },
    };
    await cluster.kubectlOk(['create', '-f', '-'], { input: JSON.stringify(pod) });
    const message = await waitFor(
      async () => {
        const events = await cluster.getJson<{ items: { reason: string; message: string }[] }>([
          '-n',
          name,
          'events',
          '--field-selector',
          'involvedObject.name=nopull',
        ]);
        return events.items.find((e) => e.reason === 'Failed' && /pull/i.test(e.message))?.message;
      },
      { timeoutMs: 30_000, what: 'the pull to fail' },
    );
    expect(message).toContain('proxyconnect tcp: dial tcp 127.0.0.1:9');
  });
});
