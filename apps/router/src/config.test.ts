import { ROUTER_CONTROL_PORT } from '@ktctl/agent-contract';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('needs target ports and takes the contract defaults for the rest', () => {
    const config = loadConfig({ KT_ROUTER_PORTS: '8080, 9090,8080' });
    expect(config).toMatchObject({
      ports: [8080, 9090],
      controlPort: ROUTER_CONTROL_PORT,
      annotationsFile: '/etc/kt-router/annotations',
      sniffTimeoutMs: 300,
      logLevel: 'info',
      host: '',
    });
    expect(() => loadConfig({})).toThrow(ConfigError);
  });

  it('refuses a target port equal to the control port', () => {
    expect(() => loadConfig({ KT_ROUTER_PORTS: `80,${ROUTER_CONTROL_PORT}` })).toThrow(/is the control port/);
    expect(loadConfig({ KT_ROUTER_PORTS: `${ROUTER_CONTROL_PORT}`, KT_ROUTER_CONTROL_PORT: '7000' }).controlPort).toBe(7000);
  });

  it('reads fixed backend addresses for runs outside a cluster', () => {
    const config = loadConfig({ KT_ROUTER_PORTS: '80', KT_ROUTER_BACKEND_ADDRESSES: 'a=127.0.0.1:81,b=[::1]:82' });
    expect([...config.backendAddresses]).toEqual([
      ['a', { host: '127.0.0.1', port: 81 }],
      ['b', { host: '::1', port: 82 }],
    ]);
    expect(() => loadConfig({ KT_ROUTER_PORTS: '80', KT_ROUTER_BACKEND_ADDRESSES: 'a=nowhere' })).toThrow(/name=host:port/);
    expect(() => loadConfig({ KT_ROUTER_PORTS: '80,x' })).toThrow(/comma-separated ports/);
  });
});
