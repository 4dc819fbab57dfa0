import { describe, expect, it } from 'vitest';
import { specFromArgs } from './cli.js';

describe('specFromArgs', () => {
  it('turns flags into one layer per architecture, with {arch} replaced', async () => {
    const { spec, out } = await specFromArgs([
      '--ref',
      'ktctl.local/x:1',
      '--out',
      'x.tar',
      '--arch',
      'amd64',
      '--arch',
      'arm64',
      '--add',
      '/app=build/{arch}/app',
      '--symlink',
      '/bin/sh=busybox',
      '--dir',
      '/tmp',
      '--entrypoint',
      '["/app","-v"]',
      '--cmd',
      'serve',
      '--env',
      'A=1',
      '--port',
      '80/tcp',
      '--label',
      'k=v=w',
    ]);
    expect(out).toBe('x.tar');
    expect(spec.platforms.map((p) => p.layers[0]!.find((i) => 'from' in i))).toEqual([
      { path: '/app', from: 'build/amd64/app' },
      { path: '/app', from: 'build/arm64/app' },
    ]);
    expect(spec.platforms[0]!.layers[0]).toContainEqual({ path: '/bin/sh', symlink: 'busybox' });
    expect(spec.config).toEqual({
      entrypoint: ['/app', '-v'],
      cmd: ['serve'],
      env: ['A=1'],
      exposedPorts: ['80/tcp'],
      labels: { k: 'v=w' },
    });
  });

  it('rejects an unknown architecture and a missing --out', async () => {
    await expect(specFromArgs(['--ref', 'a', '--out', 'o', '--arch', 'riscv64'])).rejects.toThrow(/--arch must be one of/);
    await expect(specFromArgs(['--ref', 'a'])).rejects.toThrow(/--out is required/);
  });
});
