// How a command prints what it reports: a table (or lines) for people, JSON or YAML for scripts
// (the global `-o/--output` flag). Also the one machine-readable "ready" line of long-running commands.

/** Values of the global `--output` flag. */
export const OUTPUT_FORMATS = ['text', 'table', 'json', 'yaml'] as const;
export type OutputFormat = 'text' | 'json' | 'yaml';

/** The output format asked for in resolved options (`table` is `text`; anything unknown is `text`). */
export function outputFormat(options: object): OutputFormat {
  const output = (options as { readonly output?: unknown }).output;
  return output === 'json' || output === 'yaml' ? output : 'text';
}

/** Whether the user asked for machine-readable output. */
export function isStructured(options: object): boolean {
  return outputFormat(options) !== 'text';
}

/** A JSON-like value: what reports are made of. */
export type ReportValue = string | number | boolean | null | undefined | readonly ReportValue[] | { readonly [key: string]: ReportValue };

const PLAIN_SCALAR = /^[A-Za-z_/.][\w./@:-]*$/;
const YAML_WORDS = /^(true|false|yes|no|on|off|null|~|y|n)$/i;

function yamlScalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value !== 'string') return String(value);
  return PLAIN_SCALAR.test(value) && !YAML_WORDS.test(value) && !value.includes(': ') && !value.endsWith(':')
    ? value
    : JSON.stringify(value);
}

function isEmptyContainer(value: ReportValue): boolean {
  return Array.isArray(value) ? value.length === 0 : typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

function yamlLines(value: ReportValue, indent: string): string[] {
  if (Array.isArray(value)) {
    if (!value.length) return [`${indent}[]`];
    const lines: string[] = [];
    for (const item of value as readonly ReportValue[]) {
      const inner = yamlBlock(item, `${indent}  `);
      if (typeof inner === 'string') lines.push(`${indent}- ${inner}`);
      else lines.push(`${indent}- ${inner[0]!.slice(indent.length + 2)}`, ...inner.slice(1));
    }
    return lines;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (!entries.length) return [`${indent}{}`];
    const lines: string[] = [];
    for (const [key, v] of entries) {
      const inner = yamlBlock(v, `${indent}  `);
      if (typeof inner === 'string') lines.push(`${indent}${yamlScalar(key)}: ${inner}`);
      else lines.push(`${indent}${yamlScalar(key)}:`, ...inner);
    }
    return lines;
  }
  return [`${indent}${yamlScalar((value ?? null) as string | number | boolean | null)}`];
}

/** A scalar or empty container on the same line (a string), else the nested lines. */
function yamlBlock(value: ReportValue, indent: string): string | string[] {
  if (value === null || value === undefined || typeof value !== 'object')
    return yamlScalar((value ?? null) as string | number | boolean | null);
  if (isEmptyContainer(value)) return Array.isArray(value) ? '[]' : '{}';
  return yamlLines(value, indent);
}

/** YAML for a JSON-like value (block style; strings quoted whenever they could read as something else). */
export function toYaml(value: ReportValue): string {
  return `${yamlLines(value, '').join('\n')}\n`;
}

/** A value as the format asks: pretty JSON, or YAML. */
export function formatStructured(value: ReportValue, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(value, null, 2) : toYaml(value).trimEnd();
}

/** Left-aligned columns with two spaces between them, a header row first; empty cells are `-`. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [header, ...rows].map((row) => header.map((_, i) => (row[i] === undefined || row[i] === '' ? '-' : row[i]!)));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

/**
 * Prints a command's report: as JSON or YAML when `-o json|yaml` was given, else the text `human()`
 * makes (a table, lines). Returns nothing; the report goes to standard output either way.
 */
export function printReport(
  ctx: { readonly options: object; readonly print: (text: string) => void },
  report: ReportValue,
  human: () => string,
): void {
  const format = outputFormat(ctx.options);
  ctx.print(format === 'text' ? human() : formatStructured(report, format));
}

/**
 * The one machine-readable line a long-running command prints on standard output once it is ready, with
 * `-o json` or `-o yaml` (a JSON line either way, which is valid YAML): `{"event":"ready","command":...}`.
 */
export function printReadyEvent(
  ctx: { readonly options: object; readonly print: (text: string) => void; readonly command: readonly string[] },
  fields: { readonly [key: string]: ReportValue },
): void {
  if (!isStructured(ctx.options)) return;
  ctx.print(JSON.stringify({ event: 'ready', command: ctx.command.join(' '), pid: process.pid, ...fields }));
}
