import type { Logger, Teardown } from '@ktctl/plugin-api';
import type { KubeClient } from '../client.js';
import type { ShadowHandle } from './handle.js';
import { ShadowManager, type ShadowOptions } from './manager.js';
import type { ShadowProgress } from './wait.js';

/** How often a supervised shadow's pod is checked besides the watch. */
const SUPERVISE_INTERVAL_MS = 30_000;

export interface StartShadowHooks {
  /** Where the shadow's removal is registered, right after it exists. */
  readonly teardown: Teardown;
  readonly logger: Logger;
  readonly onProgress?: (p: ShadowProgress) => void;
  /** Recreate a deleted shadow pod at once (same kt-target, so a Service selecting it follows). */
  readonly supervise?: boolean;
}

/** The step every command that makes a shadow shares: create it, register its removal, optionally supervise it. */
export async function startShadow(client: KubeClient, options: ShadowOptions, hooks: StartShadowHooks): Promise<ShadowHandle> {
  const shadow = await new ShadowManager(client, { onProgress: hooks.onProgress, logger: hooks.logger }).create(options);
  hooks.teardown.defer(`shadow ${shadow.name}`, () => shadow.cleanup());
  if (hooks.supervise)
    shadow.supervise(SUPERVISE_INTERVAL_MS, (err) => hooks.logger.debug(`shadow supervision: ${(err as Error).message}`));
  return shadow;
}
