import { ktHome } from '@ktctl/config';
import { unsupportedPlatform, type NetPlatform } from '@ktctl/netplatform';

type PlatformLoader = (env: NodeJS.ProcessEnv) => Promise<NetPlatform>;

/**
 * The one place that knows which netplatform-<os> package serves which OS. Each is imported only when a
 * command needs it, so `ktctl config` never loads koffi or the firewall code.
 */
const PLATFORMS: Partial<Record<NodeJS.Platform, PlatformLoader>> = {
  linux: async (env) => (await import('@ktctl/netplatform-linux')).createLinuxPlatform({ ktHome: ktHome(env) }),
  darwin: async (env) => (await import('@ktctl/netplatform-darwin')).createDarwinPlatform({ ktHome: ktHome(env) }),
  win32: async (env) => (await import('@ktctl/netplatform-windows')).createWindowsPlatform({ ktHome: ktHome(env), env }),
};

/** The laptop platform of this OS; a clear user error on an OS ktctl does not support. */
export async function loadPlatform(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): Promise<NetPlatform> {
  const load = PLATFORMS[platform];
  if (!load) throw unsupportedPlatform(platform);
  return load(env);
}

/** Memoises the platform for one run. */
export function platformService(env: NodeJS.ProcessEnv): () => Promise<NetPlatform> {
  let loaded: Promise<NetPlatform> | undefined;
  return () => (loaded ??= loadPlatform(process.platform, env));
}
