import { join } from 'node:path';
import { ErrorCode, isUserError, type Logger } from '@ktctl/plugin-api';
import { ktHome } from '@ktctl/config';
import { listRunStates, removeDeadRunStates, runStateDir, type NetPlatform } from '@ktctl/netplatform';
import { removeKeyFiles, staleKeyFiles } from './dead-run-keys.js';

/** What the laptop half of clean is handed. */
export interface LaptopCleanDeps {
  /** The laptop's platform (the app's `ctx.services.netplatform`). */
  readonly platform: () => Promise<NetPlatform>;
  readonly logger: Logger;
  /** Where --dryRun's lines go (standard output). */
  readonly print: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

/** The platform, or undefined where ktctl has none yet (the cluster part of clean still runs). */
async function platformOrNone(deps: LaptopCleanDeps): Promise<NetPlatform | undefined> {
  try {
    return await deps.platform();
  } catch (error) {
    if (isUserError(error) && error.code === ErrorCode.UnsupportedPlatform) {
      deps.logger.debug(error.message);
      return undefined;
    }
    throw error;
  }
}

/** Undoes laptop changes of dead runs (journals, pid files) and removes their private keys. */
export async function cleanLaptop(deps: LaptopCleanDeps, dryRun: boolean): Promise<void> {
  const { logger } = deps;
  const keys = await staleKeyFiles(join(ktHome(deps.env), 'key'));
  const platform = await platformOrNone(deps);
  const runs = platform ? await platform.staleChanges() : [];
  if (dryRun) {
    for (const run of runs) for (const change of run.changes) deps.print(`would undo (pid ${run.pid}, ${run.command}): ${change}`);
    for (const key of keys) deps.print(`would remove ${key}`);
    for (const run of listRunStates(runStateDir(ktHome(deps.env))).filter((r) => !r.alive))
      deps.print(`would remove the state file of dead ktctl ${run.command} (pid ${run.pid})`);
    return;
  }
  for (const file of removeDeadRunStates(runStateDir(ktHome(deps.env)))) logger.debug(`removed ${file}`);
  if (platform && runs.length && !platform.isAdmin()) {
    logger.warn(`${runs.length} dead run(s) left changes on this machine; run "sudo ktctl clean" to undo them`);
  } else if (platform) {
    const report = await platform.restoreStale();
    for (const run of report.restored) logger.info(`Undid ${run.changes} laptop change(s) of dead ktctl ${run.command} (pid ${run.pid})`);
    for (const run of report.failed) logger.warn(`Could not undo everything of pid ${run.pid}: ${run.errors.join('; ')}`);
    for (const file of report.stalePidFiles) logger.debug(`removed ${file}`);
  }
  if (keys.length) logger.info(`Removed ${await removeKeyFiles(keys)} private key(s) of dead runs`);
}
