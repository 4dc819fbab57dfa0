export { UdpRelayClient, type UdpRelayClientOptions, type UdpEndpoint, type RelayedDatagram, type UdpRelayStats } from './relay-client.js';
