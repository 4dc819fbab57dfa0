import { describe, expect, it } from 'vitest';
import { boundaryViolations } from './rules.js';

const projects = [
  { name: 'cli', tags: ['layer:app'] },
  { name: 'plugin-connect', tags: ['layer:plugin'] },
  { name: 'kube', tags: ['layer:core'] },
  { name: 'netplatform', tags: ['layer:platform'] },
  { name: 'netplatform-linux', tags: ['layer:platform-os'] },
  { name: 'plugin-api', tags: ['layer:api'] },
  { name: 'shadow', tags: ['layer:agent'] },
];

describe('boundaryViolations', () => {
  it('accepts the layered graph app -> plugin -> core -> platform contract -> api', () => {
    const edges = [
      { source: 'cli', target: 'plugin-connect' },
      { source: 'cli', target: 'netplatform-linux' },
      { source: 'plugin-connect', target: 'kube' },
      { source: 'kube', target: 'netplatform' },
      { source: 'netplatform-linux', target: 'netplatform' },
      { source: 'netplatform', target: 'plugin-api' },
      { source: 'shadow', target: 'kube' },
      { source: 'kube', target: 'npm:zod' },
    ];
    expect(boundaryViolations(projects, edges)).toEqual([]);
  });

  it('rejects a core package importing a netplatform-<os> package (only the app may)', () => {
    expect(boundaryViolations(projects, [{ source: 'kube', target: 'netplatform-linux' }])).toEqual([
      'kube (layer:core) must not depend on netplatform-linux (layer:platform-os)',
    ]);
  });

  it('rejects anything importing an app, and core importing a plugin', () => {
    const problems = boundaryViolations(projects, [
      { source: 'plugin-connect', target: 'cli' },
      { source: 'kube', target: 'plugin-connect' },
      { source: 'netplatform', target: 'kube' },
    ]);
    expect(problems).toHaveLength(3);
  });

  it('requires exactly one known layer tag per project', () => {
    const problems = boundaryViolations([{ name: 'x', tags: ['npm:private'] }, { name: 'y', tags: ['layer:core', 'layer:api'] }], []);
    expect(problems).toEqual([
      'x must have exactly one known layer tag (has: none)',
      'y must have exactly one known layer tag (has: layer:core, layer:api)',
    ]);
  });
});
