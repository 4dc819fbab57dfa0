import { describe, expect, it } from 'vitest';
import type { FlagSpec } from '@ktctl/plugin-api';
import { resolveOptions, envVarName } from './resolve.js';

const global: FlagSpec[] = [
  { name: 'namespace', type: 'string', description: '' },
  { name: 'portForwardTimeout', type: 'number', default: 10, description: '' },
];
const connect: FlagSpec[] = [
  { name: 'mode', type: 'string', default: 'tun2socks', choices: ['tun2socks', 'sshuttle'], description: '' },
  { name: 'dnsMode', type: 'string', default: 'localDNS', choices: ['localDNS', 'podDNS', 'hosts'], choicePrefix: true, description: '' },
  { name: 'includeIps', type: 'string[]', description: '' },
  { name: 'skipCleanup', type: 'boolean', default: false, configurable: false, description: '' },
];
const groups = [
  { section: 'global', flags: global },
  { section: 'connect', flags: connect },
];

function resolve(configFile = {}, env = {}, given = {}) {
  return resolveOptions({ groups, configFile, configPath: '/k/config', env, given });
}

describe('resolveOptions', () => {
  it('takes defaults, then the config file, then KT_* variables, then flags', () => {
    const file = { global: { namespace: 'from-file', portForwardTimeout: 20 }, connect: { mode: 'sshuttle' } };
    const env = { KT_PORT_FORWARD_TIMEOUT: '30', KT_CONNECT_INCLUDE_IPS: '10.0.0.0/8,192.168.0.0/16' };
    const { options, sources } = resolve(file, env, { namespace: 'from-flag' });
    expect(options).toEqual({
      namespace: 'from-flag',
      portForwardTimeout: 30,
      mode: 'sshuttle',
      dnsMode: 'localDNS',
      includeIps: ['10.0.0.0/8', '192.168.0.0/16'],
      skipCleanup: false,
    });
    expect(sources).toMatchObject({ namespace: 'flag', portForwardTimeout: 'env', mode: 'config', dnsMode: 'default' });
  });

  it('names global variables KT_<FLAG> and command variables KT_<COMMAND>_<FLAG>', () => {
    expect(envVarName('global', global[1]!)).toBe('KT_PORT_FORWARD_TIMEOUT');
    expect(envVarName('connect', connect[1]!)).toBe('KT_CONNECT_DNS_MODE');
  });

  it('accepts a choice with a suffix where the flag allows one', () => {
    expect(resolve({}, {}, { dnsMode: 'hosts:default,kube-system' }).options.dnsMode).toBe('hosts:default,kube-system');
  });

  it('rejects a bad flag value, naming the flag and what is allowed', () => {
    expect(() => resolve({}, {}, { mode: 'vpn' })).toThrow(/Invalid value --mode: expected one of tun2socks, sshuttle/);
    expect(() => resolve({}, {}, { dnsMode: 'nope:x' })).toThrow(/--dnsMode/);
  });

  it('rejects a bad variable, naming it', () => {
    expect(() => resolve({}, { KT_PORT_FORWARD_TIMEOUT: 'soon' })).toThrow(/KT_PORT_FORWARD_TIMEOUT=soon: expected a number/);
  });

  it('ignores the file and variables for flags that are not configurable', () => {
    expect(resolve({}, { KT_CONNECT_SKIP_CLEANUP: 'true' }).options.skipCleanup).toBe(false);
    expect(resolve({}, {}, { skipCleanup: true }).options.skipCleanup).toBe(true);
  });
});

describe('flag value checks', () => {
  const port: FlagSpec = { name: 'proxyPort', type: 'number', default: 2223, min: 1, max: 65535, integer: true, description: '' };
  const cidrs: FlagSpec = {
    name: 'excludeIps',
    type: 'string[]',
    check: (v) => (v.includes('/') ? undefined : `"${v}" is no CIDR`),
    description: '',
  };
  const checkedGroups = [{ section: 'connect', flags: [port, cidrs] }];
  const run = (env = {}, given = {}) => resolveOptions({ groups: checkedGroups, configFile: {}, configPath: '/k/config', env, given });

  it('refuses numbers out of range or not whole, from a flag and from a variable', () => {
    expect(() => run({}, { proxyPort: 99999 })).toThrow(/--proxyPort: expected a whole number from 1 to 65535, got 99999/);
    expect(() => run({}, { proxyPort: 2.5 })).toThrow(/whole number/);
    expect(() => run({ KT_CONNECT_PROXY_PORT: '0' })).toThrow(/KT_CONNECT_PROXY_PORT=0: expected a whole number from 1 to 65535/);
    expect(run({}, { proxyPort: 65535 }).options.proxyPort).toBe(65535);
  });

  it("applies a flag's own check to every item of a list", () => {
    expect(() => run({}, { excludeIps: ['10.0.0.0/8', 'foo'] })).toThrow(/--excludeIps: "foo" is no CIDR/);
    expect(run({ KT_CONNECT_EXCLUDE_IPS: '10.0.0.0/8' }).options.excludeIps).toEqual(['10.0.0.0/8']);
  });
});
