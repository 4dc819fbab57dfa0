/**
 * @ktctl/traffic — cluster traffic reaching the laptop: the reverse tunnel that exchange, mesh and
 * preview share (`exposeLocalPorts`), and the exchange and recover services.
 */
export { exposeLocalPorts, joinStreams, type ExposeOptions, type ExposedPorts, type PortMapping, type ReverseTunnelShadow, type ReverseTunnelStatus } from './reverse-tunnel.js';
