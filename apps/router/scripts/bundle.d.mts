/** Bundles the router to `outfile` (default dist/router.cjs) and returns the path. */
export function bundle(outfile?: string): Promise<string>;
