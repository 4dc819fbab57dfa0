// `npm run lint`: asks nx for the project graph (imports and package.json dependencies alike) and fails on
// any edge that crosses the layers the wrong way, on shipped files that import the testkit, and on error
// codes missing from plugin-api's table, and on source files the formatter would change.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ErrorCode } from '@ktctl/plugin-api';
import { boundaryViolations, shippedTestkitImports, TESTKIT_LAYER, unknownErrorCodes, type Edge, type ProjectNode } from './rules.js';

interface NxGraph {
  graph: {
    nodes: Record<string, { data: { root: string; tags?: string[] } }>;
    dependencies: Record<string, { source: string; target: string }[]>;
  };
}

const repo = join(import.meta.dirname, '..', '..', '..');

/** Every TypeScript/JavaScript source under a project root (repository-relative path and text). */
function sourceFiles(root: string): { path: string; text: string }[] {
  return readdirSync(join(repo, root), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.[cm]?[jt]s$/.test(e.name) && !/node_modules|\/dist\//.test(join(e.parentPath, e.name)))
    .map((e) => join(e.parentPath, e.name))
    .map((file) => ({ path: relative(repo, file), text: readFileSync(file, 'utf8') }));
}

/** The module specifiers each source under a project root imports. */
function sourceImports(root: string): { path: string; imports: string[] }[] {
  return sourceFiles(root).map(({ path, text }) => ({
    path,
    imports: [...text.matchAll(/(?:from|import\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!),
  }));
}

/** Files prettier would change (printWidth and the rest in .prettierrc.json), one problem each. */
function unformattedFiles(): string[] {
  try {
    execFileSync('npx', ['prettier', '--list-different', '**/*.{ts,mts,cts,js,mjs,cjs}'], {
      cwd: repo,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return [];
  } catch (error) {
    const listed = String((error as { stdout?: string }).stdout ?? '')
      .split('\n')
      .filter(Boolean);
    if (!listed.length) throw error;
    return listed.map((file) => `${file} is not formatted: run npx prettier --write ${file}`);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'ktctl-graph-'));
try {
  const file = join(dir, 'graph.json');
  execFileSync('npx', ['nx', 'graph', `--file=${file}`], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  const { graph } = JSON.parse(readFileSync(file, 'utf8')) as NxGraph;
  const projects: ProjectNode[] = Object.entries(graph.nodes).map(([name, node]) => ({ name, tags: node.data.tags ?? [] }));
  const edges: Edge[] = Object.values(graph.dependencies).flat();
  const testkits = projects.filter((p) => p.tags.includes(TESTKIT_LAYER)).map((p) => p.name);
  const users = [...new Set(edges.filter((e) => testkits.includes(e.target)).map((e) => e.source))];
  const problems = [
    ...boundaryViolations(projects, edges),
    ...users.flatMap((u) => shippedTestkitImports(sourceImports(graph.nodes[u]!.data.root), testkits)),
  ];
  // Outside-plugin examples stand for code written elsewhere, which may bring codes of its own.
  const ours = Object.values(graph.nodes).filter((node) => !node.data.tags?.includes('layer:example'));
  const sources = ours.flatMap((node) => sourceFiles(node.data.root));
  problems.push(...unknownErrorCodes(sources, new Set<string>(Object.values(ErrorCode))), ...unformattedFiles());
  for (const problem of problems) console.error(`boundaries: ${problem}`);
  console.log(
    `boundaries: ${projects.length} projects, ${edges.filter((e) => !e.target.startsWith('npm:')).length} internal edges, ${problems.length} violations`,
  );
  process.exitCode = problems.length ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
