import './netplatform-service.js';

/** `ktctl connect`'s service: the laptop reaches the cluster (shadow pod, tunnel, proxy, routes, DNS). */
export { connect, type Connection, type ConnectDeps } from './connect.js';
export { CONNECT_MODES, type ConnectEvent, type ConnectMode, type ConnectOptions } from './options.js';
export { TUN_MTU, TUN_NAME, type TunSetup } from './tun2socks.js';
