import { readFileSync } from 'node:fs';
import { startWithTeardown, type Logger, type Teardown } from '@ktctl/plugin-api';
import { parseResolvConf } from '@ktctl/dns';
import { startShadow, type KubeClient, type ShadowHandle, type ShadowProgress } from '@ktctl/kube';
import { STALE_AFTER_SECONDS, applyClusterClean, describeCleanAction, planClusterClean } from '@ktctl/traffic/clean';
import type { InstanceLock, NetPlatform, NetSession } from '@ktctl/netplatform';
import type { ConnectEvent, ConnectOptions } from './options.js';
import { checkPlatform } from './platform-check.js';
import { redirectClusterTcp } from './kernel-redirect.js';
import { openTunnel, type TunnelParts } from './tunnel.js';
import { configureDns, type DnsSetup } from './dns.js';
import { clusterTargets, type ClusterTargets } from './cluster-ranges.js';
import { routeThroughTun, type TunSetup } from './tun2socks.js';

export interface ConnectDeps {
  /** The cluster (the caller closes it). */
  readonly client: KubeClient;
  /** The laptop's platform; used unless --disableTunDevice. */
  readonly platform: () => Promise<NetPlatform>;
  readonly logger: Logger;
  readonly onEvent: (event: ConnectEvent) => void;
  readonly signal: AbortSignal;
  readonly env: NodeJS.ProcessEnv;
}

/** A live connection: where its proxy listens, what it routes, and how to end it. */
export interface Connection {
  readonly proxy: { host: string; port: number };
  readonly shadowPod: string;
  readonly namespace: string;
  readonly targets: ClusterTargets | undefined;
  readonly dns: DnsSetup | undefined;
  /** The TUN device of tun2socks mode. */
  readonly tun: TunSetup | undefined;
  /** Undoes everything, in reverse order; returns the steps that failed. Safe to call twice. */
  close(): Promise<string[]>;
}

/**
 * `ktctl connect`: checks the laptop first (root, mode), then makes the shadow pod, the tunnel and the
 * proxy, then (unless --disableTunDevice) the laptop changes. Whatever fails, what was made is undone.
 */
export async function connect(options: ConnectOptions, deps: ConnectDeps): Promise<Connection> {
  const { client } = deps;
  return startWithTeardown(deps.logger, async (teardown) => {
    const platform = options.disableTunDevice ? undefined : await deps.platform();
    if (platform) checkPlatform(options, platform);
    if (platform) await takeInstance(platform, teardown, deps.logger);
    if (!options.skipCleanup) await cleanStaleObjects(client, deps.logger);
    const shadow = await createShadow(client, options, deps, teardown);
    const tunnel = await openTunnel(client, shadow, options, teardown, deps);
    const laptop = platform ? await changeLaptop(platform, client, shadow, tunnel, options, deps, teardown) : undefined;
    return {
      proxy: tunnel.proxyAddress,
      shadowPod: shadow.podName,
      namespace: client.namespace,
      targets: laptop?.targets,
      dns: laptop?.dns,
      tun: laptop?.tun,
    };
  });
}

/** The laptop's own search domains, which the agent strips from queries a laptop resolver suffixed. */
function laptopSearchDomains(path = '/etc/resolv.conf'): string[] {
  try {
    return parseResolvConf(readFileSync(path, 'utf8')).search;
  } catch {
    return [];
  }
}

/** What dead runs left in the namespace (stale by cluster-time heartbeat only); never fatal. */
async function cleanStaleObjects(client: KubeClient, logger: Logger): Promise<void> {
  try {
    const actions = await planClusterClean(client, STALE_AFTER_SECONDS);
    const failures = await applyClusterClean(client, actions, (action) => logger.info(`Cleaned up: ${describeCleanAction(action)}`));
    for (const failure of failures) logger.debug(`stale cleanup: could not ${failure}`);
  } catch (error) {
    logger.debug(`stale cleanup skipped: ${(error as Error).message}`);
  }
}

async function takeInstance(platform: NetPlatform, teardown: Teardown, logger: Logger): Promise<void> {
  const lock: InstanceLock = await platform.acquireInstance('connect');
  teardown.defer('pid file', () => lock.release());
  const report = await platform.restoreStale();
  for (const run of report.restored) logger.info(`Restored the laptop changes left by a dead ktctl ${run.command} (pid ${run.pid})`);
  for (const run of report.failed) logger.warn(`Could not fully restore the changes of dead pid ${run.pid}: ${run.errors.join('; ')}`);
}

function createShadow(client: KubeClient, options: ConnectOptions, deps: ConnectDeps, teardown: Teardown): Promise<ShadowHandle> {
  const onProgress = (p: ShadowProgress): void => deps.onEvent({ kind: 'progress', step: 'shadow pod', detail: p.detail ?? p.phase });
  const shadowOptions = {
    purpose: { kind: 'connect', shared: options.shareShadow } as const,
    ...options,
    agent: { localDomains: laptopSearchDomains(), dnsCacheTtl: options.dnsCacheTtl },
    env: deps.env,
    signal: deps.signal,
  };
  // Supervised: a laptop back from sleep, whose objects someone's clean removed meanwhile, recreates them
  // at once instead of sitting on a dead shadow until the next connection.
  return startShadow(client, shadowOptions, { teardown, logger: deps.logger, onProgress, supervise: true });
}

async function changeLaptop(
  platform: NetPlatform,
  client: KubeClient,
  shadow: ShadowHandle,
  tunnel: TunnelParts,
  options: ConnectOptions,
  deps: ConnectDeps,
  teardown: Teardown,
): Promise<{ targets: ClusterTargets; dns: DnsSetup; tun: TunSetup | undefined }> {
  const session: NetSession = await platform.openSession({ command: 'connect' });
  teardown.defer('laptop network changes', () => session.close());
  const targets = await clusterTargets(client, options, deps.logger);
  let tun: TunSetup | undefined;
  if (options.mode === 'sshuttle') await redirectClusterTcp(session, tunnel.link, targets, teardown, deps.logger);
  else {
    const { disableTunRoute } = options;
    tun = await routeThroughTun({ session, pool: tunnel.link, targets, disableTunRoute, os: platform.os, teardown, logger: deps.logger });
  }
  const dns = await configureDns({ session, client, shadow, pool: tunnel.pool, options, logger: deps.logger, teardown });
  return { targets, dns, tun };
}
