declare const __KTCTL_VERSION__: string | undefined;

/** The release version, stamped in by the bundler; `0.0.0-dev` when run from source. */
export const VERSION: string = typeof __KTCTL_VERSION__ === 'string' ? __KTCTL_VERSION__ : '0.0.0-dev';
