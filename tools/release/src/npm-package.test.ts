import { describe, expect, it } from 'vitest';
import { exportTargets, publishedManifest } from './npm-package.js';

describe('the package.json npm publishes', () => {
  const workspace = {
    name: '@ktctl/plugin-api',
    version: '0.1.0',
    type: 'module',
    exports: { '.': './src/index.ts' },
    publishConfig: { exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } }, access: 'public' },
    files: ['dist'],
    scripts: { build: 'tsc' },
    devDependencies: { vitest: '*' },
    nx: { tags: ['layer:api'] },
  };

  it("takes publishConfig's exports (npm itself ignores them) and drops what only the workspace uses", () => {
    expect(publishedManifest(workspace)).toEqual({
      name: '@ktctl/plugin-api',
      version: '0.1.0',
      type: 'module',
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
      publishConfig: { access: 'public' },
      files: ['dist'],
    });
  });

  it("puts publishConfig's dependencies in place of the workspace ones (a package that bundles those)", () => {
    const bundled = {
      ...workspace,
      dependencies: { '@ktctl/kube': '0.1.0' },
      publishConfig: { ...workspace.publishConfig, dependencies: { x: '1' } },
    };
    expect(publishedManifest(bundled).dependencies).toEqual({ x: '1' });
  });

  it('refuses a private package, or one with nothing to publish as exports', () => {
    expect(() => publishedManifest({ ...workspace, private: true })).toThrow(/private/);
    expect(() => publishedManifest({ ...workspace, publishConfig: {} })).toThrow(/no publishConfig.exports/);
  });

  it('lists every file the exports point at, through conditions and subpaths', () => {
    expect(exportTargets({ '.': { types: './a.d.ts', default: './a.js' }, './b': './b.js' })).toEqual(['./a.d.ts', './a.js', './b.js']);
  });
});
