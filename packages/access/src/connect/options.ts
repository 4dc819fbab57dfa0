/** Connect's options, resolved from flags, config and KT_* variables (names as KtConnect's flags). */
export interface ConnectOptions {
  readonly namespace?: string | undefined;
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  /** The shadow image reference, already resolved (`shadowImage()` of @ktctl/config). */
  readonly image: string;
  readonly imagePullSecret?: string | undefined;
  readonly serviceAccount?: string | undefined;
  readonly nodeSelector?: string | undefined;
  readonly withLabel?: string | undefined;
  readonly withAnnotation?: string | undefined;
  readonly podQuota?: string | undefined;
  readonly useShadowDeployment: boolean;
  readonly forceUpdate: boolean;
  readonly portForwardTimeout: number;
  readonly podCreationTimeout: number;
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
  /** Parallel SSH sessions (each on its own port-forward stream). */
  readonly tunnelSessions: number;
}

export const CONNECT_MODES = ['tun2socks', 'sshuttle'] as const;
export type ConnectMode = (typeof CONNECT_MODES)[number];

/** What the user sees of a connection's life. */
export type ConnectEvent =
  | { readonly kind: 'progress'; readonly step: string; readonly detail: string }
  | { readonly kind: 'status'; readonly status: 'connected' | 'degraded' | 'reconnecting' | 'failed'; readonly detail: string };
