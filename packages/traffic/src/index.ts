/**
 * @ktctl/traffic — cluster traffic reaching the laptop: the reverse tunnel that exchange, mesh and
 * preview share (`exposeLocalPorts`), and the exchange and recover services.
 */
export { exposeLocalPorts, joinStreams, type ExposeOptions, type ExposedPorts, type PortMapping, type ReverseTunnelShadow, type ReverseTunnelStatus } from './reverse-tunnel.js';
export { checkRemotePorts, serviceTargetPorts } from './expose.js';
export { checkLocalPorts, parseExpose } from './ports.js';
export { EXCHANGE_MODES, exchange, type Exchange, type ExchangeDeps, type ExchangeMode, type ExchangeOptions, type TrafficEvent } from './exchange.js';
export { recover, type RecoverResult } from './recover.js';
export { describeRecoverAction, planRecover, type RecoverAction, type RecoverPlan, type SeenObject } from './recover-plan.js';
export { findHolder, type Holder } from './holder.js';
export { parseTarget, resolveServiceName, type TargetRef } from './target.js';
export { REDIRECT_ANNOTATIONS, redirectPatch, restorePatch, snapshot, savedSelector, type ServiceOriginal, type ServiceState } from './selector.js';
