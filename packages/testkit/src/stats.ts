import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The q-quantile (0..1) of samples, by nearest rank. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) throw new Error('no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** The median of a few repetitions' figures. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export interface Row {
  readonly name: string;
  readonly [column: string]: string | number;
}

/** Rows as an aligned text table; fractions with `decimals` digits (sub-millisecond latencies want 3). */
export function table(rows: readonly Row[], decimals = 2): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(decimals)) : String(v ?? ''));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]): string => values.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n');
}

/** Writes a benchmark's JSON result under .cache/bench and returns its path. */
export function saveResult(repoDir: string, name: string, result: unknown): string {
  const dir = join(repoDir, '.cache', 'bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ benchmark: name, at: new Date().toISOString(), result }, null, 2)}\n`);
  return file;
}
