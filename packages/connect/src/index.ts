import './services.js';

export { connect, type Connection, type ConnectDeps } from './connect.js';
export { CONNECT_MODES, type ConnectEvent, type ConnectMode, type ConnectOptions } from './options.js';
export { Teardown } from './teardown.js';
export { TUN_MTU, TUN_NAME, type TunSetup } from './tun2socks.js';
