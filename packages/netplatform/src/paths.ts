import { join } from 'node:path';

/** Where the platform layer keeps its state under ktctl's home (`~/.kt`, from @ktctl/config's ktHome()). */
export interface PlatformPaths {
  /** One write-ahead journal per run: `<pid>.json`. */
  readonly journalDir: string;
  /** `<cmd>-<pid>.pid` per running command. */
  readonly pidDir: string;
}

export function platformPaths(ktHome: string): PlatformPaths {
  return { journalDir: join(ktHome, 'journal'), pidDir: join(ktHome, 'pid') };
}
