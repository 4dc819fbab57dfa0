import { OUTPUT_FORMATS, type FlagSpec, type InferFlags } from '@ktctl/plugin-api';
import { flagValueSchema } from './flag-values.js';

/** Flags every command takes (KtConnect's global options). */
export const globalFlags = [
  {
    name: 'namespace',
    alias: 'n',
    type: 'string',
    description: "Namespace to use (default: the kubeconfig context's namespace, else default)",
  },
  {
    name: 'kubeconfig',
    alias: 'c',
    type: 'string',
    description: 'Path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)',
  },
  { name: 'context', type: 'string', description: 'Kubeconfig context to use' },
  { name: 'image', alias: 'i', type: 'string', description: 'Shadow pod image (default: the shadow image of this ktctl release)' },
  { name: 'imageRegistry', type: 'string', description: "Registry serving ktctl's images, for air-gapped clusters (default: ghcr.io)" },
  { name: 'imagePullSecret', type: 'string', description: 'Secret used to pull the shadow image' },
  { name: 'serviceAccount', type: 'string', default: 'default', description: 'Service account of the shadow pod' },
  { name: 'nodeSelector', type: 'string', description: 'Node selector of the shadow pod, as key=value,...' },
  { name: 'debug', alias: 'd', type: 'boolean', default: false, description: 'Print debug logs and stack traces' },
  { name: 'withLabel', alias: 'l', type: 'string', description: 'Extra labels on created objects, as key=value,...' },
  { name: 'withAnnotation', type: 'string', description: 'Extra annotations on created objects, as key=value,...' },
  { name: 'portForwardTimeout', type: 'number', default: 10, description: 'Seconds to wait for the port-forward to be ready' },
  { name: 'podCreationTimeout', type: 'number', default: 60, description: 'Seconds to wait for the shadow pod to run' },
  { name: 'useShadowDeployment', type: 'boolean', default: false, description: 'Create the shadow as a Deployment instead of a bare pod' },
  { name: 'forceUpdate', alias: 'f', type: 'boolean', default: false, description: 'Always pull the shadow image' },
  { name: 'podQuota', type: 'string', description: 'Shadow pod resources, as cpu,memory (e.g. 0.5,512Mi)' },
  {
    name: 'output',
    alias: 'o',
    type: 'string',
    choices: OUTPUT_FORMATS,
    configurable: false,
    description: 'Report format: text (table) for people, json or yaml for scripts; long-running commands print one JSON ready line',
  },
] as const satisfies readonly FlagSpec[];

/** The global flags' resolved values, typed from the table above (the one place they are written). */
export type GlobalFlagValues = InferFlags<typeof globalFlags>;

/**
 * The global flags out of a command's resolved options, each kept only when its value has the table's
 * type (else its default, if it has one): where untyped options meet typed code, this is the one
 * narrowing, so there are no casts at the seams.
 */
export function globalFlagValues(options: Readonly<Record<string, unknown>>): GlobalFlagValues {
  const picked: Record<string, unknown> = {};
  for (const spec of globalFlags as readonly FlagSpec[]) {
    const value = options[spec.name];
    if (flagValueSchema(spec).safeParse(value).success) picked[spec.name] = value;
    else if (spec.default !== undefined) picked[spec.name] = spec.default;
  }
  return picked as GlobalFlagValues;
}

/** The config-file section holding the global flags. */
export const GLOBAL_SECTION = 'global';

/** Registry and repository of ktctl's own images; the tag is the ktctl release version. */
export const DEFAULT_IMAGE_REGISTRY = 'ghcr.io';
export const SHADOW_IMAGE_REPOSITORY = 'ktctl/shadow';

/** The shadow image to run: `--image` if given, else this release's image under `--imageRegistry`. */
export function shadowImage(options: { image?: unknown; imageRegistry?: unknown }, version: string): string {
  if (typeof options.image === 'string' && options.image) return options.image;
  const registry =
    typeof options.imageRegistry === 'string' && options.imageRegistry ? options.imageRegistry.replace(/\/+$/, '') : DEFAULT_IMAGE_REGISTRY;
  return `${registry}/${SHADOW_IMAGE_REPOSITORY}:${version}`;
}
