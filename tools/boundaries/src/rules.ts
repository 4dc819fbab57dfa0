/**
 * ktctl's layers, as nx project tags, and which layers each may depend on. Every project carries exactly
 * one `layer:*` tag. The plugin API is the floor every layer may stand on; nothing depends on an app.
 */
export const LAYER_RULES: Readonly<Record<string, readonly string[]>> = {
  // The ktctl CLI: composes plugins, and is the only place that picks a netplatform-<os> implementation.
  'layer:app': ['layer:plugin', 'layer:core', 'layer:contract', 'layer:platform', 'layer:platform-os', 'layer:api'],
  // In-cluster programs (shadow agent, mesh router): built from core pieces, never from the laptop's plugins.
  'layer:agent': ['layer:core', 'layer:contract', 'layer:api'],
  'layer:plugin': ['layer:core', 'layer:contract', 'layer:platform', 'layer:api'],
  'layer:core': ['layer:core', 'layer:contract', 'layer:platform', 'layer:api'],
  // What the in-cluster programs and the laptop agree on (ports, env, wire formats): depends on nothing.
  'layer:contract': [],
  // The netplatform contract.
  'layer:platform': ['layer:api'],
  // netplatform-linux/-darwin/-windows (and shared Unix code among them).
  'layer:platform-os': ['layer:platform', 'layer:platform-os', 'layer:api'],
  'layer:api': [],
  // Outside-plugin examples: only what an outside plugin may import.
  'layer:example': ['layer:api'],
  'layer:tool': ['layer:tool', 'layer:core', 'layer:contract', 'layer:api'],
  'layer:e2e': ['layer:tool', 'layer:core', 'layer:contract', 'layer:platform', 'layer:api'],
};

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
    if (!from || !to || source === target) continue;
    if (!LAYER_RULES[from]!.includes(to)) problems.push(`${source} (${from}) must not depend on ${target} (${to})`);
  }
  return problems;
}
