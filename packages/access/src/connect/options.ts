import type { GlobalFlagValues } from '@ktctl/config';

/** The global flags connect honours, typed from @ktctl/config's table. */
type ConnectGlobals = Pick<
  GlobalFlagValues,
  | 'namespace'
  | 'kubeconfig'
  | 'context'
  | 'imagePullSecret'
  | 'serviceAccount'
  | 'nodeSelector'
  | 'withLabel'
  | 'withAnnotation'
  | 'podQuota'
  | 'useShadowDeployment'
  | 'forceUpdate'
  | 'portForwardTimeout'
  | 'podCreationTimeout'
>;

/** Connect's options, resolved from flags, config and KT_* variables (names as KtConnect's flags). */
export interface ConnectOptions extends Readonly<ConnectGlobals> {
  /** The shadow image reference, already resolved (`shadowImage()` of @ktctl/config). */
  readonly image: string;
  readonly mode: ConnectMode;
  readonly dnsMode: string;
  readonly shareShadow: boolean;
  readonly clusterDomain: string;
  readonly disablePodIp: boolean;
  readonly skipCleanup: boolean;
  readonly includeIps: readonly string[];
  readonly excludeIps: readonly string[];
  readonly disableTunDevice: boolean;
  readonly disableTunRoute: boolean;
  readonly proxyPort: number;
  readonly proxyAddr: string;
  readonly dnsCacheTtl: number;
  /** Parallel tunnel sessions to the shadow (each on its own port-forward stream). */
  readonly tunnelSessions: number;
  /** Every connection through the shadow: no port-forward straight to the destination pod. */
  readonly disableDirectPath: boolean;
}

export const CONNECT_MODES = ['tun2socks', 'sshuttle'] as const;
export type ConnectMode = (typeof CONNECT_MODES)[number];

/** What the user sees of a connection's life. */
export type ConnectEvent =
  | { readonly kind: 'progress'; readonly step: string; readonly detail: string }
  | { readonly kind: 'status'; readonly status: 'connected' | 'degraded' | 'reconnecting' | 'failed'; readonly detail: string };
