/** `ktctl exchange`'s service: a Service's cluster traffic goes to local ports instead of its pods. */
export {
  EXCHANGE_MODES,
  exchange,
  type Exchange,
  type ExchangeDeps,
  type ExchangeMode,
  type ExchangeOptions,
  type TrafficEvent,
} from './exchange.js';
export type { ExposedPorts, PortMapping, ReverseTunnelStatus } from '../shared/reverse-tunnel.js';
