/** Bundles the agent to `outfile` (default dist/shadow.cjs) and returns the path. */
export function bundle(outfile?: string): Promise<string>;
