import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Journal, recordingRunner } from '@ktctl/netplatform';
import { tempDir } from '@ktctl/netplatform/testing';
import { describe, expect, it } from 'vitest';
import { createDarwinDns, resolverFileContent, resolverUndoers, splitNameserver } from './resolver.js';

const FLUSH = ['dscacheutil -flushcache', 'killall -HUP mDNSResponder'];

function setup() {
  const root = tempDir('kt-resolver-');
  const resolverDir = join(root, 'resolver');
  const resolvConfPath = join(root, 'resolv.conf');
  writeFileSync(resolvConfPath, '#\n# macOS Notice\n#\nsearch lan corp.example\nnameserver 192.168.1.1\nnameserver fd00::53\n');
  const runner = recordingRunner();
  const journal = Journal.create(join(root, 'journal'), { pid: 1, command: 'connect' }, resolverUndoers(runner));
  return { runner, journal, resolverDir, dns: createDarwinDns({ runner, journal, resolverDir, resolvConfPath }) };
}

describe('/etc/resolver files', () => {
  it('one port for the file, nameserver lines, search_order', () => {
    expect(resolverFileContent(['127.0.0.1:5353'], 4242)).toBe(
      '# Written by ktctl (pid 4242); removed when it exits\nnameserver 127.0.0.1\nport 5353\nsearch_order 1\n',
    );
    expect(resolverFileContent(['10.0.0.2'], 1)).toContain('nameserver 10.0.0.2\nport 53\n');
    expect(() => resolverFileContent(['127.0.0.1:5353', '127.0.0.1:53'])).toThrow(/one port/);
    expect(splitNameserver('[fd00::1]:53')).toEqual({ address: 'fd00::1', port: 53 });
    expect(() => splitNameserver('example.com')).toThrow();
  });

  it('reports the backend, ports, and the original nameservers and search domains', async () => {
    const { dns } = setup();
    expect(await dns.backend()).toBe('resolver-files');
    expect(await dns.supportsPort()).toBe(true);
    expect(await dns.originalNameservers()).toEqual(['192.168.1.1', 'fd00::53']);
    expect(await dns.originalSearchDomains()).toEqual(['lan', 'corp.example']);
  });

  it('writes one file per route domain, flushes the cache, and removes them (and the folder it made) on undo', async () => {
    const { dns, runner, journal, resolverDir } = setup();
    await dns.apply({ nameservers: ['127.0.0.1:5353'], routeDomains: ['cluster.local', 'svc.example.'] });
    const content = resolverFileContent(['127.0.0.1:5353']);
    expect(readFileSync(join(resolverDir, 'cluster.local'), 'utf8')).toBe(content);
    expect(readFileSync(join(resolverDir, 'svc.example'), 'utf8')).toBe(content);
    expect(journal.pending()).toMatchObject([
      { kind: 'resolver-file', path: join(resolverDir, 'cluster.local'), createdDir: true },
      { kind: 'resolver-file', path: join(resolverDir, 'svc.example') },
    ]);
    expect(journal.pending()[1]).not.toHaveProperty('createdDir');
    expect(runner.lines()).toEqual(FLUSH);
    expect(await journal.undoAll()).toEqual([]);
    expect(existsSync(resolverDir)).toBe(false);
    expect(runner.lines()).toEqual([...FLUSH, ...FLUSH, ...FLUSH]);
  });

  it('backs up a file of the same name and puts it back; leaves a file someone rewrote since', async () => {
    const { dns, journal, resolverDir } = setup();
    mkdirSync(resolverDir);
    writeFileSync(join(resolverDir, 'cluster.local'), 'nameserver 10.0.0.9\n');
    await dns.apply({ nameservers: ['127.0.0.1:5353'], routeDomains: ['cluster.local', 'other.local'] });
    writeFileSync(join(resolverDir, 'other.local'), 'nameserver 10.1.1.1\n');
    expect(await journal.undoAll()).toEqual([]);
    expect(readFileSync(join(resolverDir, 'cluster.local'), 'utf8')).toBe('nameserver 10.0.0.9\n');
    expect(readFileSync(join(resolverDir, 'other.local'), 'utf8')).toBe('nameserver 10.1.1.1\n');
  });

  it('a second apply replaces the first, keeping the true original', async () => {
    const { dns, journal, resolverDir } = setup();
    mkdirSync(resolverDir);
    writeFileSync(join(resolverDir, 'cluster.local'), 'nameserver 10.0.0.9\n');
    await dns.apply({ nameservers: ['127.0.0.1:5353'], routeDomains: ['cluster.local'] });
    await dns.apply({ nameservers: ['127.0.0.1:5454'], routeDomains: ['cluster.local'] });
    expect(readFileSync(join(resolverDir, 'cluster.local'), 'utf8')).toContain('port 5454');
    expect(journal.pending()).toHaveLength(1);
    await journal.undoAll();
    expect(readFileSync(join(resolverDir, 'cluster.local'), 'utf8')).toBe('nameserver 10.0.0.9\n');
  });

  it('refuses a domain that could escape /etc/resolver', async () => {
    const { dns } = setup();
    await expect(dns.apply({ nameservers: ['127.0.0.1'], routeDomains: ['../hosts'] })).rejects.toThrow(/not a DNS domain/);
  });
});
