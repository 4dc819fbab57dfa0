import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Journal, recordingRunner } from '@ktctl/netplatform';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@ktctl/netplatform/testing';
import { loopbackDnsRules, redirectRules } from './iptables.js';
import { nftRedirectRules, nftTableScript } from './nft.js';
import { parseSockaddrIn } from './original-dst.js';
import { createKernelRedirect, detectRedirectBackend, redirectUndoers } from './redirect.js';

const spec = { cidrs: ['10.96.0.0/16', '10.244.0.0/16'], excludes: ['10.96.0.1', '10.244.9.0/24'], toPort: 40000 };

function setup(answer?: Parameters<typeof recordingRunner>[0]) {
  const runner = recordingRunner(answer);
  const journal = Journal.create(tempDir('kt-redirect-'), { pid: 1, command: 'connect' }, redirectUndoers(runner));
  return { runner, journal };
}

describe('rule generation', () => {
  it('iptables: excludes return first, then a TCP redirect per CIDR', () => {
    expect(redirectRules(spec).map((r) => r.join(' '))).toEqual([
      '-A KT_CONNECT -d 10.96.0.1/32 -j RETURN',
      '-A KT_CONNECT -d 10.244.9.0/24 -j RETURN',
      '-A KT_CONNECT -d 10.96.0.0/16 -p tcp -j REDIRECT --to-ports 40000',
      '-A KT_CONNECT -d 10.244.0.0/16 -p tcp -j REDIRECT --to-ports 40000',
    ]);
    expect(loopbackDnsRules(5353).map((r) => r.join(' '))).toEqual([
      '-A KT_DNS -d 127.0.0.1/32 -p udp --dport 53 -j REDIRECT --to-ports 5353',
      '-A KT_DNS -d 127.0.0.1/32 -p tcp --dport 53 -j REDIRECT --to-ports 5353',
    ]);
    expect(() => redirectRules({ ...spec, toPort: 70000 })).toThrow(/not a port/);
  });

  it('nft: one table with a nat output chain', () => {
    expect(nftTableScript('ktctl', nftRedirectRules(spec))).toBe(
      [
        'table ip ktctl {',
        '  chain output {',
        '    type nat hook output priority -100; policy accept;',
        '    ip daddr { 10.96.0.1/32, 10.244.9.0/24 } return',
        '    ip daddr { 10.96.0.0/16, 10.244.0.0/16 } meta l4proto tcp redirect to :40000',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });
});

describe('createKernelRedirect', () => {
  it('iptables: clears leftovers, journals, builds the chain, hooks it last; undo unhooks, flushes, deletes', async () => {
    // Leftover check: `-S KT_CONNECT` fails (no chain) before creation, succeeds during undo.
    let created = false;
    let hooked = false;
    const { runner, journal } = setup((_c, args) => {
      if (args.includes('-N')) created = true;
      if (args.includes('-I')) hooked = true;
      if (args.includes('-D')) {
        const code = hooked ? 0 : 1;
        hooked = false;
        return { code };
      }
      if (args.includes('-S')) return { code: created ? 0 : 1 };
      return undefined;
    });
    const redirect = createKernelRedirect(runner, journal, 'iptables');
    await redirect.redirectTcp({ cidrs: ['10.96.0.0/16'], excludes: ['10.96.0.1'], toPort: 40000 });
    expect(journal.pending()).toEqual([
      { kind: 'iptables-chain', binary: 'iptables', table: 'nat', chain: 'KT_CONNECT', hooks: ['OUTPUT'] },
    ]);
    expect(await journal.undoAll()).toEqual([]);
    expect(runner.lines()).toEqual([
      'iptables -w -t nat -D OUTPUT -j KT_CONNECT',
      'iptables -w -t nat -D PREROUTING -j KT_CONNECT',
      'iptables -w -t nat -S KT_CONNECT',
      'iptables --version',
      'iptables -w -t nat -N KT_CONNECT',
      'iptables -w -t nat -A KT_CONNECT -d 10.96.0.1/32 -j RETURN',
      'iptables -w -t nat -A KT_CONNECT -d 10.96.0.0/16 -p tcp -j REDIRECT --to-ports 40000',
      'iptables -w -t nat -I OUTPUT 1 -j KT_CONNECT',
      'iptables -w -t nat -D OUTPUT -j KT_CONNECT',
      'iptables -w -t nat -D OUTPUT -j KT_CONNECT',
      'iptables -w -t nat -S KT_CONNECT',
      'iptables -w -t nat -F KT_CONNECT',
      'iptables -w -t nat -X KT_CONNECT',
    ]);
  });

  it('iptables-nft: removes again the built-in chain and the table it had to create, when empty', async () => {
    const { runner, journal } = setup((cmd, args) => {
      if (cmd === 'iptables' && args[0] === '--version') return { stdout: 'iptables v1.8.9 (nf_tables)\n' };
      if (cmd === 'nft' && args[0] === 'list') {
        // Before: no nat table at all. At undo time: the table is there with no chain left in it.
        const undoing = runner.calls.some((c) => c.args.includes('-X'));
        return undoing ? { stdout: 'table ip nat {\n}\n' } : { code: 1, stderr: 'Error: No such file or directory' };
      }
      if (args.includes('-S') && args.includes('OUTPUT')) return { stdout: '-P OUTPUT ACCEPT\n' };
      return args.includes('-D') || args.includes('-S') ? { code: 1 } : undefined;
    });
    await createKernelRedirect(runner, journal, 'iptables').redirectTcp(spec);
    expect(journal.pending()).toMatchObject([{ createdHooks: ['OUTPUT'], createdTable: true }]);
    expect(await journal.undoAll()).toEqual([]);
    expect(runner.lines().slice(-4)).toEqual([
      'iptables -w -t nat -S OUTPUT',
      'iptables -w -t nat -X OUTPUT',
      'nft list table ip nat',
      'nft delete table ip nat',
    ]);
  });

  it('nft: loads the table from stdin and deletes it on undo', async () => {
    const { runner, journal } = setup((_c, args) =>
      args[0] === 'delete' && runner.calls.length === 1 ? { code: 1, stderr: 'Error: No such file or directory' } : undefined,
    );
    const redirect = createKernelRedirect(runner, journal, 'nft');
    await redirect.redirectLoopbackDns(5353);
    expect(await journal.undoAll()).toEqual([]);
    expect(runner.lines()).toEqual(['nft delete table ip ktctl_dns', 'nft -f -', 'nft delete table ip ktctl_dns']);
    expect(runner.calls[1]?.input).toContain('ip daddr 127.0.0.1 udp dport 53 redirect to :5353');
  });

  it('the journal entry is on disk before the first rule is made', async () => {
    let seen = '';
    const { runner, journal } = setup((_c, args) => {
      if (args.includes('-N')) seen = readFileSync(journal.path, 'utf8');
      return args.includes('-S') || args.includes('-D') ? { code: 1 } : undefined;
    });
    await createKernelRedirect(runner, journal, 'iptables').redirectTcp(spec);
    expect(JSON.parse(seen).entries).toMatchObject([{ state: 'applying', entry: { kind: 'iptables-chain' } }]);
  });

  it('with includeForwarded hooks PREROUTING too (iptables) or adds a prerouting chain (nft)', async () => {
    const { runner, journal } = setup((_c, args) => (args.includes('-S') || args.includes('-D') ? { code: 1 } : undefined));
    await createKernelRedirect(runner, journal, 'iptables').redirectTcp({ ...spec, includeForwarded: true });
    expect(runner.lines().filter((l) => l.includes(' -I '))).toEqual([
      'iptables -w -t nat -I OUTPUT 1 -j KT_CONNECT',
      'iptables -w -t nat -I PREROUTING 1 -j KT_CONNECT',
    ]);
    expect(journal.pending()).toMatchObject([{ hooks: ['OUTPUT', 'PREROUTING'] }]);
    expect(nftTableScript('ktctl', ['return'], true)).toContain(
      '  chain prerouting {\n    type nat hook prerouting priority -100; policy accept;\n    return\n  }\n',
    );
  });

  it('installing again replaces the rules of this session instead of adding a second chain', async () => {
    const { runner, journal } = setup();
    const redirect = createKernelRedirect(runner, journal, 'nft');
    await redirect.redirectTcp(spec);
    await redirect.redirectTcp({ ...spec, cidrs: ['10.100.0.0/16'] });
    expect(journal.pending()).toHaveLength(1);
    expect(runner.lines()).toEqual([
      'nft delete table ip ktctl',
      'nft -f -',
      'nft delete table ip ktctl',
      'nft delete table ip ktctl',
      'nft -f -',
    ]);
  });

  it('reports its backend as auto until the first rule, then the one it detected', async () => {
    const { runner, journal } = setup((c, args) => (c === 'iptables' && args[0] === '--version' ? { code: 127 } : undefined));
    const redirect = createKernelRedirect(runner, journal, undefined);
    expect(redirect.backend).toBe('auto');
    await redirect.redirectTcp(spec);
    expect(redirect.backend).toBe('nft');
  });

  it('refuses IPv6 ranges with a clear error', async () => {
    const { runner, journal } = setup();
    await expect(
      createKernelRedirect(runner, journal, 'iptables').redirectTcp({ cidrs: ['fd00::/108'], excludes: [], toPort: 1 }),
    ).rejects.toMatchObject({
      code: 'KT_IPV6_UNSUPPORTED',
    });
  });

  it('detects iptables, then nft, else a clear error', async () => {
    expect(await detectRedirectBackend(recordingRunner())).toBe('iptables');
    expect(await detectRedirectBackend(recordingRunner((c) => (c === 'iptables' ? { code: 127 } : undefined)))).toBe('nft');
    await expect(detectRedirectBackend(recordingRunner(() => ({ code: 127 })))).rejects.toMatchObject({ code: 'KT_NO_FIREWALL_TOOL' });
  });
});

describe('parseSockaddrIn', () => {
  it('reads a little-endian family, then port and address in network order', () => {
    const buffer = Buffer.from([2, 0, 0x1f, 0x90, 10, 99, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseSockaddrIn(buffer)).toEqual({ address: '10.99.0.7', port: 8080 });
    expect(() => parseSockaddrIn(Buffer.alloc(16))).toThrow(/AF_INET/);
  });
});
