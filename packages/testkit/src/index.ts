/**
 * @ktctl/testkit — helpers the tests and benchmarks of every package share. Only test, bench and testing
 * files may import it (`npm run lint` checks), so nothing shipped depends on it.
 */
export * from './processes.js';
export * from './ports.js';
export * from './stats.js';
export * from './dnsmasq.js';
