import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseHostPort } from './config.js';

describe('loadConfig', () => {
  it('has defaults for a pod with nothing set', () => {
    expect(loadConfig({})).toMatchObject({
      logLevel: 'info',
      sshPort: 22,
      dnsPort: 53,
      authorizedKeysPath: '/etc/kt/authorized_keys',
      dnsCacheTtl: 60,
      dnsUpstream: undefined,
      localDomains: [],
      keepaliveIntervalMs: 15_000,
    });
  });

  it('reads KT_ variables and ignores empty ones', () => {
    const config = loadConfig({
      KT_SSH_PORT: '2222',
      KT_DNS_UPSTREAM: '127.0.0.1:5353',
      KT_LOCAL_DOMAINS: 'corp.example, lan',
      KT_LOG_LEVEL: '',
    });
    expect(config).toMatchObject({
      sshPort: 2222,
      dnsUpstream: { host: '127.0.0.1', port: 5353 },
      localDomains: ['corp.example', 'lan'],
      logLevel: 'info',
    });
  });

  it("accepts KtConnect's LOG_LEVEL and LOCAL_DOMAIN, with KT_ names winning", () => {
    expect(loadConfig({ LOG_LEVEL: 'debug', LOCAL_DOMAIN: 'a.example' })).toMatchObject({ logLevel: 'debug', localDomains: ['a.example'] });
    expect(loadConfig({ LOG_LEVEL: 'debug', KT_LOG_LEVEL: 'warn' }).logLevel).toBe('warn');
  });

  it('reports every bad variable at once', () => {
    const message = (() => {
      try {
        loadConfig({ KT_SSH_PORT: '70000', KT_LOG_LEVEL: 'loud', KT_DNS_UPSTREAM: 'dns.example' });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return String(error);
      }
      return 'no error';
    })();
    for (const name of ['KT_SSH_PORT', 'KT_LOG_LEVEL', 'KT_DNS_UPSTREAM']) expect(message).toContain(name);
  });
});

describe('parseHostPort', () => {
  it.each([
    ['10.96.0.10', { host: '10.96.0.10', port: 53 }],
    ['10.96.0.10:1053', { host: '10.96.0.10', port: 1053 }],
    ['fd00::a', { host: 'fd00::a', port: 53 }],
    ['[fd00::a]:1053', { host: 'fd00::a', port: 1053 }],
    ['dns.example', undefined],
    ['10.0.0.1:0', undefined],
  ])('%s', (text, expected) => expect(parseHostPort(text)).toEqual(expected));
});
