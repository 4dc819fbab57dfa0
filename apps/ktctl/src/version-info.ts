import { parseArgs } from 'node:util';
import { ConfigStore, GLOBAL_SECTION, globalFlags, ktHome, resolveOptions, shadowImage } from '@ktctl/config';
import { VERSION } from './version.js';

/**
 * `ktctl --version [--image ref] [--imageRegistry host]`: the version, then the shadow image this ktctl would
 * run, resolved like any command resolves it (flag, KT_IMAGE / KT_IMAGE_REGISTRY, ~/.kt/config's global
 * section, else this release's image on ghcr.io). The mesh router runs the same image unless --routerImage.
 */
export async function versionText(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { values } = parseArgs({
    args: [...args],
    options: { image: { type: 'string', short: 'i' }, imageRegistry: { type: 'string' }, 'image-registry': { type: 'string' } },
    strict: false,
  });
  const given = { image: values.image, imageRegistry: values.imageRegistry ?? values['image-registry'] };
  // Another section's problem is that command's to report: --version only reads the global one.
  const config = new ConfigStore(ktHome(env), new Map([[GLOBAL_SECTION, globalFlags]]), () => {});
  const configFile = await config.read().catch(() => ({}));
  const { options } = resolveOptions({
    groups: [{ section: GLOBAL_SECTION, flags: globalFlags.filter((f) => f.name === 'image' || f.name === 'imageRegistry') }],
    configFile,
    configPath: config.path,
    env,
    given,
  });
  return `${VERSION}\nshadow image: ${shadowImage(options, VERSION)}\n`;
}
