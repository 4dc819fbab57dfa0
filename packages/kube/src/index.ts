/**
 * @ktctl/kube — the cluster side of ktctl: kubeconfig as kubectl reads it, cluster time, the shadow
 * lifecycle (KtConnect's names, labels and annotations), a WebSocket port-forward and cluster CIDR
 * discovery. No yargs and no console: progress and warnings go through callbacks and a Logger.
 */
export { KubeClient, objectPath, type DeleteOptions, type KubeClientOptions, type ObjectRef } from './client.js';
export { loadKubeconfig, kubeconfigFiles, mergeFirstWins, type KubeconfigOptions, type LoadedKubeconfig } from './kubeconfig.js';
export { ApiTransport, type ApiResponse, type ConnectOptions, type RequestSpec } from './transport.js';
export { KubeApiError, apiError, describeAction, isStatus, type Action } from './errors.js';
export * from './names.js';
export { sudoOwner, writePrivateKey, type KeyFile } from './private-key-file.js';
export { keysConfigMap, parsePodQuota, shadowDeployment, shadowPod, shadowMetadata, type ShadowSpecInput } from './shadow/spec.js';
export { assessPod, type ShadowPhase, type ShadowProgress } from './shadow/wait.js';
export { waitForShadowPod, type PodLocator, type WaitReadyOptions } from './shadow/ready.js';
export { Heartbeat, HEARTBEAT_INTERVAL_MS } from './shadow/heartbeat.js';
export { ShadowHandle, type ShadowRefs } from './shadow/handle.js';
export { ShadowManager, type ShadowHooks, type ShadowOptions } from './shadow/manager.js';
export { startShadow, type StartShadowHooks } from './shadow/start.js';
export { updateRefCount } from './shadow/shared.js';
export { discoverClusterCidrs, type DiscoverOptions, type DiscoveredCidrs } from './cidr/discover.js';
export { clusterCidrs, groupAddresses, type CidrInput } from './cidr/group.js';
export {
  PortForwarder,
  type ForwardStatus,
  type LocalForward,
  type PortForwardTarget,
  type PortForwarderOptions,
} from './port-forward/forwarder.js';
export { PortForwardError, PortForwardStream, openForwardStream, type ForwardTarget, type StreamOptions } from './port-forward/stream.js';
export { PORT_FORWARD_PROTOCOL } from './port-forward/protocol.js';
export {
  getService,
  readyPodsOfService,
  resolveTargetPort,
  selectorQuery,
  servicePodResolver,
  type PodWithPorts,
  type ServicePortView,
  type ServiceView,
} from './service-lookup.js';
export { clientFromFlags, clientOptionsFromFlags, forwarderOptionsFromFlags, shadowOptionsFromFlags } from './flags.js';
export { canI, requirePermissions, shadowPermissions } from './rbac.js';
export { watchObjects, type WatchEvent, type WatchOptions } from './watch.js';
