// ktctl as a library: the services the CLI's commands call, behind typed functions that take plain options
// (the CLI's global flags, camelCase, with the same defaults) and return a handle to close. Each opens its own
// Kubernetes client from the kubeconfig (or the given one) and closes it with the handle.
import { readFileSync } from 'node:fs';
import { GLOBAL_SECTION, globalFlags, resolveOptions } from '@ktctl/config';
import { createLogger, type Logger } from '@ktctl/plugin-api';

/** The global flags a call takes, as in `ktctl --help` (namespace, kubeconfig, context, image, imageRegistry, ...). */
export interface ClusterOptions {
  readonly namespace?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  /** The shadow image; default: this release's under `imageRegistry` (ghcr.io). */
  readonly image?: string;
  readonly imageRegistry?: string;
  readonly imagePullSecret?: string;
  readonly [flag: string]: unknown;
  /** Where the service's log lines go; default: nowhere (a library prints nothing by itself). */
  readonly logger?: Logger;
  /** Aborting it stops a start half-way (what was made is removed). */
  readonly signal?: AbortSignal;
}

/** This package's version: the shadow image tag it asks for, like the CLI of the same release. */
export const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The global flags resolved as the CLI resolves them (defaults, then the given values), without ~/.kt/config. */
export function resolveGlobals(options: ClusterOptions): Record<string, unknown> {
  const { logger: _logger, signal: _signal, ...given } = options;
  return resolveOptions({ groups: [{ section: GLOBAL_SECTION, flags: globalFlags }], configFile: {}, configPath: '', env: {}, given })
    .options;
}

export const quietLogger: Logger = createLogger('error', { write: () => true });

export { forward, type Forward, type ForwardOptions } from './forward.js';
export { preview, type Preview, type PreviewOptions } from './preview.js';
export { exchange, type Exchange, type ExchangeOptions } from './exchange.js';
