import { join } from 'node:path';
import { ErrorCode, isUserError, type CommandContext } from '@ktctl/plugin-api';
import { ktHome } from '@ktctl/config';
import type { NetPlatform } from '@ktctl/netplatform';
// Type-only: brings in the netplatform service on the handler context, loads nothing at run time.
import type {} from '@ktctl/access/connect';

/** The platform, or undefined where ktctl has none yet (the cluster part of clean still runs). */
async function platformOrNone(ctx: CommandContext): Promise<NetPlatform | undefined> {
  try {
    return await ctx.services.netplatform();
  } catch (error) {
    if (isUserError(error) && error.code === ErrorCode.UnsupportedPlatform) {
      ctx.logger.debug(error.message);
      return undefined;
    }
    throw error;
  }
}

/** Undoes laptop changes of dead runs (journals, pid files) and removes their private keys. */
export async function cleanLaptop(ctx: CommandContext, dryRun: boolean): Promise<void> {
  const { staleKeyFiles, removeKeyFiles } = await import('@ktctl/kube');
  const keys = await staleKeyFiles(join(ktHome(process.env), 'key'));
  const platform = await platformOrNone(ctx);
  const runs = platform ? await platform.staleChanges() : [];
  if (dryRun) {
    for (const run of runs) for (const change of run.changes) ctx.print(`would undo (pid ${run.pid}, ${run.command}): ${change}`);
    for (const key of keys) ctx.print(`would remove ${key}`);
    return;
  }
  if (platform && runs.length && !platform.isAdmin()) {
    ctx.logger.warn(`${runs.length} dead run(s) left changes on this machine; run "sudo ktctl clean" to undo them`);
  } else if (platform) {
    const report = await platform.restoreStale();
    for (const run of report.restored) ctx.logger.info(`Undid ${run.changes} laptop change(s) of dead ktctl ${run.command} (pid ${run.pid})`);
    for (const run of report.failed) ctx.logger.warn(`Could not undo everything of pid ${run.pid}: ${run.errors.join('; ')}`);
    for (const file of report.stalePidFiles) ctx.logger.debug(`removed ${file}`);
  }
  if (keys.length) ctx.logger.info(`Removed ${await removeKeyFiles(keys)} private key(s) of dead runs`);
}
