import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AGENT_PATH, NODE_PATH, ROUTER_PATH, shadowImageSpec } from './spec.js';

const libs = (triplet: string, loader: string) => ['libc.so.6', loader].map((n) => ({ path: `/lib/${triplet}/${n}`, from: `/host/${n}` }));

describe('shadowImageSpec', () => {
  const spec = shadowImageSpec('ghcr.io/ktctl/shadow:1.2.3', '1.2.3', '/build/shadow.cjs', '/build/router.cjs', [
    {
      arch: 'amd64',
      node: '/cache/node-amd64',
      libraries: libs('x86_64-linux-gnu', 'ld-linux-x86-64.so.2'),
      interpreter: '/lib64/ld-linux-x86-64.so.2',
    },
    {
      arch: 'arm64',
      node: '/cache/node-arm64',
      libraries: libs('aarch64-linux-gnu', 'ld-linux-aarch64.so.1'),
      interpreter: '/lib/ld-linux-aarch64.so.1',
    },
  ]);

  it('runs the bundled agent with Node as root (capabilities are the pod spec’s business)', () => {
    expect(spec.config).toMatchObject({ entrypoint: [NODE_PATH, AGENT_PATH], user: '0:0', exposedPorts: ['22/tcp', '53/udp', '53/tcp'] });
  });

  it('puts the loader where each binary asks for it', () => {
    const [amd64, arm64] = spec.platforms.map((p) => p.layers[0]!);
    expect(amd64).toContainEqual({ path: '/lib64/ld-linux-x86-64.so.2', symlink: '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' });
    expect(arm64).toContainEqual({ path: '/lib/ld-linux-aarch64.so.1', symlink: '/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1' });
    expect(arm64).toContainEqual({ path: NODE_PATH, from: '/cache/node-arm64', mode: 0o755 });
  });

  it('keeps the agent and the mesh router in their own top layer, so a new release reuses the runtime layer', () => {
    for (const platform of spec.platforms) {
      expect(platform.layers[1]).toEqual([
        { path: AGENT_PATH, from: '/build/shadow.cjs', mode: 0o644 },
        { path: '/opt/ktctl/router.cjs', from: '/build/router.cjs', mode: 0o644 },
      ]);
    }
    expect(ROUTER_PATH).toBe('/opt/ktctl/router.cjs');
  });
});

describe('image tag', () => {
  it('is the ktctl release version, the tag ktctl asks the cluster for', () => {
    const version = (dir: string) =>
      (JSON.parse(readFileSync(new URL(`../../../${dir}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
    expect(version('shadow')).toBe(version('ktctl'));
  });
});
