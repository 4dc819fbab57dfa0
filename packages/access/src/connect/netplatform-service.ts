import type { NetPlatform } from '@ktctl/netplatform';

// The laptop platform reaches plugins through the handler context. Only the app knows which
// netplatform-<os> package implements it, so the app provides it and plugins see the contract.
declare module '@ktctl/plugin-api' {
  interface CoreServices {
    /** The platform of this machine (routes, DNS, firewall), loaded on first use. */
    netplatform(): Promise<NetPlatform>;
  }
}
