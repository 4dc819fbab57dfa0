import type { NetPlatform, NetSession, PlatformCapabilities } from './contract.js';
import { restoreFailed } from './errors.js';
import { Journal, type Undoers } from './journal.js';
import { platformPaths } from './paths.js';
import { runBookkeeping } from './restore.js';

/** What one OS brings to a platform; everything else (bookkeeping, journal, undo on close) is the same everywhere. */
export interface PlatformParts {
  readonly os: NodeJS.Platform;
  readonly capabilities: PlatformCapabilities;
  /** ktctl's home (`~/.kt`): journals and pid files live under it. */
  readonly ktHome: string;
  readonly undoers: Undoers;
  readonly isAdmin: () => boolean;
  /** Throws the OS's "not root / not Administrator" error unless isAdmin(). */
  readonly requireAdmin: (action: string) => void;
  /** What a user without admin rights is told of a killed run's changes, e.g. "need root to undo: run `sudo ktctl clean`". */
  readonly adminAdvice: string;
  /** How a user retries a failed undo on this OS (restoreFailed's default: "run `sudo ktctl clean`"). */
  readonly restoreRetry?: string;
  readonly isAlive?: (pid: number) => boolean;
  /** This process's start time, recorded so a killed run's pid taken by another process is told apart. */
  readonly startTime?: () => string | undefined;
  /** The OS's session parts, each journaling into `journal`. */
  readonly sessionParts: (journal: Journal) => Omit<NetSession, 'journal' | 'restoredStale' | 'close'>;
  /** Runs once a session's changes are all undone (Windows unloads wintun.dll). */
  readonly afterClose?: () => void;
}

/** A NetPlatform from an OS's parts: the one place where sessions, journals and stale-run restores are put together. */
export function composePlatform(parts: PlatformParts): NetPlatform {
  const paths = platformPaths(parts.ktHome);
  const { undoers, isAdmin, requireAdmin } = parts;
  const bookkeeping = runBookkeeping({ ...paths, undoers, isAlive: parts.isAlive, isAdmin, adminAdvice: parts.adminAdvice });
  return {
    os: parts.os,
    capabilities: parts.capabilities,
    isAdmin,
    requireAdmin,
    ...bookkeeping,
    async openSession({ command }): Promise<NetSession> {
      requireAdmin(`ktctl ${command}`);
      const restoredStale = await bookkeeping.restoreStale();
      const startTime = parts.startTime?.();
      const journal = Journal.create(paths.journalDir, { command, ...(startTime ? { startTime } : {}) }, undoers);
      return {
        ...parts.sessionParts(journal),
        journal,
        restoredStale,
        async close() {
          const errors = await journal.undoAll();
          if (errors.length > 0) throw restoreFailed(errors, parts.restoreRetry);
          parts.afterClose?.();
        },
      };
    },
  };
}
