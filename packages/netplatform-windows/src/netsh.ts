import type { CommandResult, CommandRunner } from '@ktctl/netplatform';

/** netsh writes its errors to stdout (and exits 1): both streams, for messages and matching. */
export function output(result: CommandResult): string {
  return `${result.stdout}\n${result.stderr}`.trim();
}

/** Runs netsh; throws with its message when it fails. */
export async function netsh(runner: CommandRunner, args: readonly string[]): Promise<string> {
  const result = await runner('netsh', args);
  if (result.code !== 0) throw new Error(`netsh ${args.join(' ')} failed: ${output(result)}`);
  return result.stdout;
}

/** Runs one PowerShell command line (built only from checked domains and addresses). */
export async function powershell(runner: CommandRunner, script: string): Promise<string> {
  const result = await runner('powershell', ['-NoProfile', '-NonInteractive', '-Command', script]);
  if (result.code !== 0) throw new Error(`powershell ${script} failed: ${output(result)}`);
  return result.stdout;
}

/** A PowerShell single-quoted string. */
export function psString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** `@('a','b')`: a PowerShell array of single-quoted strings. */
export function psArray(values: readonly string[]): string {
  return `@(${values.map(psString).join(',')})`;
}
