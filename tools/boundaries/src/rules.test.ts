import { describe, expect, it } from 'vitest';
import { boundaryViolations, isTestFile, shippedTestkitImports, unknownErrorCodes } from './rules.js';

const projects = [
  { name: 'cli', tags: ['layer:app'] },
  { name: 'plugin-connect', tags: ['layer:plugin'] },
  { name: 'access', tags: ['layer:service'] },
  { name: 'traffic', tags: ['layer:service'] },
  { name: 'kube', tags: ['layer:foundation'] },
  { name: 'agent-contract', tags: ['layer:contract'] },
  { name: 'netplatform', tags: ['layer:platform'] },
  { name: 'netplatform-linux', tags: ['layer:platform-os'] },
  { name: 'plugin-api', tags: ['layer:api'] },
  { name: 'shadow', tags: ['layer:agent'] },
  { name: 'testkit', tags: ['layer:testkit'] },
];

describe('boundaryViolations', () => {
  it('accepts the layered graph app -> plugin -> service -> foundation -> platform contract -> api', () => {
    const edges = [
      { source: 'cli', target: 'plugin-connect' },
      { source: 'cli', target: 'netplatform-linux' },
      { source: 'plugin-connect', target: 'access' },
      { source: 'plugin-connect', target: 'kube' },
      { source: 'access', target: 'kube' },
      { source: 'kube', target: 'agent-contract' },
      { source: 'kube', target: 'netplatform' },
      { source: 'netplatform-linux', target: 'netplatform' },
      { source: 'netplatform', target: 'plugin-api' },
      { source: 'shadow', target: 'kube' },
      { source: 'shadow', target: 'agent-contract' },
      { source: 'kube', target: 'npm:zod' },
      { source: 'kube', target: 'testkit' },
    ];
    expect(boundaryViolations(projects, edges)).toEqual([]);
  });

  it('rejects a foundation package importing a netplatform-<os> package (only the app may)', () => {
    expect(boundaryViolations(projects, [{ source: 'kube', target: 'netplatform-linux' }])).toEqual([
      'kube (layer:foundation) must not depend on netplatform-linux (layer:platform-os)',
    ]);
  });

  it('rejects upward edges: anything importing an app, a service a plugin, the foundation a service, an agent a service', () => {
    const problems = boundaryViolations(projects, [
      { source: 'plugin-connect', target: 'cli' },
      { source: 'access', target: 'plugin-connect' },
      { source: 'kube', target: 'access' },
      { source: 'shadow', target: 'traffic' },
      { source: 'netplatform', target: 'kube' },
      { source: 'agent-contract', target: 'kube' },
    ]);
    expect(problems).toHaveLength(6);
  });

  it('lets a service use the other (connect cleans stale objects first), but never a plugin', () => {
    expect(boundaryViolations(projects, [{ source: 'access', target: 'traffic' }])).toEqual([]);
    expect(boundaryViolations(projects, [{ source: 'traffic', target: 'plugin-connect' }])).toEqual([
      'traffic (layer:service) must not depend on plugin-connect (layer:plugin)',
    ]);
  });

  it('requires exactly one known layer tag per project', () => {
    const problems = boundaryViolations(
      [
        { name: 'x', tags: ['npm:private'] },
        { name: 'y', tags: ['layer:core', 'layer:api'] },
      ],
      [],
    );
    expect(problems).toEqual([
      'x must have exactly one known layer tag (has: none)',
      'y must have exactly one known layer tag (has: layer:core, layer:api)',
    ]);
  });
});

describe('the testkit', () => {
  it('may be imported by tests, test support and benchmarks only', () => {
    expect(isTestFile('packages/dns/src/local/local-dns.test.ts')).toBe(true);
    expect(isTestFile('packages/dns/bench/dns.ts')).toBe(true);
    expect(isTestFile('apps/shadow/test/support/agent.ts')).toBe(true);
    expect(isTestFile('packages/dns/src/local/local-dns.ts')).toBe(false);
    const files = [
      { path: 'packages/dns/src/upstream.ts', imports: ['node:dgram', '@ktctl/testkit'] },
      { path: 'packages/dns/test/shadow-agent.ts', imports: ['@ktctl/testkit'] },
      { path: 'packages/dns/src/cache.ts', imports: ['@ktctl/plugin-api'] },
    ];
    expect(shippedTestkitImports(files, ['@ktctl/testkit'])).toEqual([
      'packages/dns/src/upstream.ts imports the testkit, which only tests and benchmarks may use',
    ]);
  });
});

describe('error codes', () => {
  it('must come from the code table, wherever they are written', () => {
    const files = [
      { path: 'packages/a/src/x.ts', text: "throw new UserError('KT_NOT_ROOT', 'm'); throw new UserError('KT_MADE_UP', 'm');" },
      { path: 'packages/a/src/y.ts', text: "new UsageError('m', { code: 'KT_ALSO_MADE_UP' })" },
      { path: 'packages/a/src/x.test.ts', text: "new UserError('KT_IN_A_TEST', 'm')" },
    ];
    expect(unknownErrorCodes(files, new Set(['KT_NOT_ROOT']))).toEqual([
      "packages/a/src/x.ts uses error code KT_MADE_UP, which is not in plugin-api's ErrorCode table",
      "packages/a/src/y.ts uses error code KT_ALSO_MADE_UP, which is not in plugin-api's ErrorCode table",
    ]);
  });
});
