// `npm run lint`: asks nx for the project graph (imports and package.json dependencies alike) and fails on
// any edge that crosses the layers the wrong way.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boundaryViolations, type Edge, type ProjectNode } from './rules.js';

interface NxGraph {
  graph: {
    nodes: Record<string, { data: { tags?: string[] } }>;
    dependencies: Record<string, { source: string; target: string }[]>;
  };
}

const dir = mkdtempSync(join(tmpdir(), 'ktctl-graph-'));
try {
  const file = join(dir, 'graph.json');
  execFileSync('npx', ['nx', 'graph', `--file=${file}`], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NX_DAEMON: 'false' } });
  const { graph } = JSON.parse(readFileSync(file, 'utf8')) as NxGraph;
  const projects: ProjectNode[] = Object.entries(graph.nodes).map(([name, node]) => ({ name, tags: node.data.tags ?? [] }));
  const edges: Edge[] = Object.values(graph.dependencies).flat();
  const problems = boundaryViolations(projects, edges);
  for (const problem of problems) console.error(`boundaries: ${problem}`);
  console.log(`boundaries: ${projects.length} projects, ${edges.filter((e) => !e.target.startsWith('npm:')).length} internal edges, ${problems.length} violations`);
  process.exitCode = problems.length ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
