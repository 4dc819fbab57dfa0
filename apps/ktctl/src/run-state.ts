import { ktHome } from '@ktctl/config';
import { RunStateFile, runStateDir } from '@ktctl/netplatform';
import type { RunStateSink } from '@ktctl/plugin-api';

/**
 * The run-state sink handed to a command (CommandContext.runState): the file under ~/.kt/run is made by the
 * command's first update only (short commands never write one) and removed when the command returns or the
 * process exits; a kill -9 leaves it for `ktctl status` to report as dead.
 */
export function commandRunState(
  command: readonly string[],
  options: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv,
): RunStateSink & { remove(): void } {
  let file: RunStateFile | undefined;
  const onExit = (): void => file?.remove();
  return {
    update(fields) {
      if (!file) {
        file = new RunStateFile(runStateDir(ktHome(env)), command.join('-'), {
          commandLine: ['ktctl', ...process.argv.slice(2)].join(' '),
          ...(typeof options.context === 'string' ? { context: options.context } : {}),
          ...(typeof options.namespace === 'string' ? { namespace: options.namespace } : {}),
        });
        process.once('exit', onExit);
      }
      file.update(fields);
    },
    remove() {
      process.removeListener('exit', onExit);
      file?.remove();
    },
  };
}
