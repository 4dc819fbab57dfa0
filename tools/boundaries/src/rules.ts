/**
 * ktctl's layers, as nx project tags, and which layers each may depend on. Every project carries exactly
 * one `layer:*` tag. From the top: app → plugin → service → foundation → platform contract → plugin API;
 * in-cluster agents stand on the foundation and the agent contract. Nothing depends on an app.
 */
export const LAYER_RULES: Readonly<Record<string, readonly string[]>> = {
  // The ktctl CLI: composes plugins, and is the only place that picks a netplatform-<os> implementation.
  'layer:app': ['layer:plugin', 'layer:service', 'layer:foundation', 'layer:contract', 'layer:platform', 'layer:platform-os', 'layer:api'],
  // One package per command: flags, parsing, one call into a service, printing.
  'layer:plugin': ['layer:service', 'layer:foundation', 'layer:contract', 'layer:platform', 'layer:api'],
  // What the commands do, one home per direction (access: laptop → cluster; traffic: cluster → laptop and
  // undoing it). connect cleans what dead runs left before it starts, so a service may use the other's.
  'layer:service': ['layer:service', 'layer:foundation', 'layer:contract', 'layer:platform', 'layer:api'],
  // Cluster access, tunnels, DNS, the userspace stack, configuration: know nothing of commands.
  'layer:foundation': ['layer:foundation', 'layer:contract', 'layer:platform', 'layer:api'],
  // In-cluster programs (shadow agent, mesh router): built from the foundation, never from laptop services.
  'layer:agent': ['layer:foundation', 'layer:contract', 'layer:api'],
  // What the in-cluster programs and the laptop agree on (ports, env, wire formats).
  'layer:contract': [],
  // The netplatform contract.
  'layer:platform': ['layer:api'],
  // netplatform-linux/-darwin/-windows (and shared Unix code among them).
  'layer:platform-os': ['layer:platform', 'layer:platform-os', 'layer:api'],
  'layer:api': [],
  // Outside-plugin examples: only what an outside plugin may import.
  'layer:example': ['layer:api'],
  'layer:tool': ['layer:tool', 'layer:foundation', 'layer:contract', 'layer:api'],
  'layer:e2e': ['layer:tool', 'layer:service', 'layer:foundation', 'layer:contract', 'layer:platform', 'layer:api'],
  // Helpers shared by tests and benchmarks; TESTKIT_LAYER below lets every layer use it from test files only.
  'layer:testkit': [],
};

/** The layer any project may depend on, but only from its test, bench and testing files. */
export const TESTKIT_LAYER = 'layer:testkit';

/** Files allowed to import the testkit: tests, test support, benchmarks, testing exports. */
export function isTestFile(path: string): boolean {
  return /(^|\/)(test|tests|bench|testing|harness)\//.test(path) || /\.test\.[cm]?ts$/.test(path);
}

export interface ProjectNode {
  readonly name: string;
  readonly tags: readonly string[];
}

export interface Edge {
  readonly source: string;
  readonly target: string;
}

/** The broken rules of a project graph, one sentence each; empty when the graph respects the layers. */
export function boundaryViolations(projects: readonly ProjectNode[], edges: readonly Edge[]): string[] {
  const layerOf = new Map<string, string>();
  const problems: string[] = [];
  for (const project of projects) {
    const layers = project.tags.filter((t) => t.startsWith('layer:'));
    if (layers.length !== 1 || !(layers[0]! in LAYER_RULES)) {
      problems.push(`${project.name} must have exactly one known layer tag (has: ${layers.join(', ') || 'none'})`);
    } else {
      layerOf.set(project.name, layers[0]!);
    }
  }
  for (const { source, target } of edges) {
    const from = layerOf.get(source);
    const to = layerOf.get(target);
    if (!from || !to || source === target || to === TESTKIT_LAYER) continue;
    if (!LAYER_RULES[from]!.includes(to)) problems.push(`${source} (${from}) must not depend on ${target} (${to})`);
  }
  return problems;
}

/** The files that import a testkit package although they ship (are not tests, benches or test support). */
export function shippedTestkitImports(
  files: readonly { path: string; imports: readonly string[] }[],
  testkitPackages: readonly string[],
): string[] {
  const uses = (spec: string) => testkitPackages.some((p) => spec === p || spec.startsWith(`${p}/`));
  return files
    .filter((f) => !isTestFile(f.path) && f.imports.some(uses))
    .map((f) => `${f.path} imports the testkit, which only tests and benchmarks may use`);
}

/** Error codes written as `KT_…` literals (to UserError, UsageError or a `code:` field) that the ErrorCode table lacks. */
export function unknownErrorCodes(files: readonly { path: string; text: string }[], known: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const { path, text } of files) {
    if (isTestFile(path)) continue;
    for (const m of text.matchAll(/(?:UserError\(|UsageError\(|code:\s*)'(KT_[A-Z0-9_]+)'/g)) {
      if (!known.has(m[1]!)) problems.push(`${path} uses error code ${m[1]}, which is not in plugin-api's ErrorCode table`);
    }
  }
  return problems;
}
