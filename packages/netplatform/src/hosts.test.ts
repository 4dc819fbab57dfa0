import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './testing/temp.js';
import { createHostsFile, hostsUndoers, stripHostsBlock, withHostsBlock, withoutHostsBlock } from './hosts.js';
import { Journal } from './journal.js';

const ORIGINAL = '127.0.0.1 localhost\n::1 localhost ip6-localhost\n# a comment\n';
const entries = [{ ip: '10.96.0.10', names: ['web', 'web.ns', 'web.ns.svc.cluster.local'] }];

describe('hosts block text', () => {
  it('appends the block and takes it out byte for byte', () => {
    const added = withHostsBlock(ORIGINAL, entries);
    expect(added.text).toBe(`${ORIGINAL}# Kt Hosts Begin\n10.96.0.10 web web.ns web.ns.svc.cluster.local\n# Kt Hosts End\n`);
    expect(withoutHostsBlock(added.text, added.addedNewline)).toBe(ORIGINAL);
  });

  it('ends an unterminated last line first and removes that newline again', () => {
    const original = '127.0.0.1 localhost';
    const added = withHostsBlock(original, entries);
    expect(added.addedNewline).toBe(true);
    const restored = withoutHostsBlock(added.text, true);
    expect(restored).toBe(original);
    // Idempotent: with no block left, nothing more is taken away.
    expect(withoutHostsBlock(restored, true)).toBe(original);
  });

  it('replaces an existing block in place of appending a second one, keeping lines around it', () => {
    const text = `a\n# Kt Hosts Begin\n1.1.1.1 old\n# Kt Hosts End\nb\n`;
    expect(stripHostsBlock(text)).toEqual({ text: 'a\nb\n', found: true });
    expect(withHostsBlock(text, entries).text).toBe(
      `a\nb\n# Kt Hosts Begin\n10.96.0.10 web web.ns web.ns.svc.cluster.local\n# Kt Hosts End\n`,
    );
  });

  it('keeps CRLF line ends (Windows) on the way in and out', () => {
    const windows = '# Copyright (c) Microsoft Corp.\r\n127.0.0.1 localhost';
    const added = withHostsBlock(windows, entries);
    expect(added.text).toBe(`${windows}\r\n# Kt Hosts Begin\r\n10.96.0.10 web web.ns web.ns.svc.cluster.local\r\n# Kt Hosts End\r\n`);
    expect(withoutHostsBlock(added.text, added.addedNewline)).toBe(windows);
  });

  it('leaves a begin marker without an end alone', () => {
    expect(stripHostsBlock('# Kt Hosts Begin\nuser line\n').found).toBe(false);
  });

  it('refuses names or addresses that would inject lines', () => {
    expect(() => withHostsBlock('', [{ ip: '10.0.0.1', names: ['a\n8.8.8.8 evil'] }])).toThrow(/host name/);
    expect(() => withHostsBlock('', [{ ip: '10.0.0.1 x', names: ['a'] }])).toThrow(/IP address/);
  });
});

describe('createHostsFile', () => {
  it('journals the block once, rewrites it on updates, and undo restores the file', async () => {
    const dir = tempDir('kt-hosts-');
    const path = join(dir, 'hosts');
    writeFileSync(path, ORIGINAL);
    const journal = Journal.create(join(dir, 'journal'), { pid: 9, command: 'connect' }, hostsUndoers);
    const hosts = createHostsFile(path, journal);
    await hosts.setBlock(entries);
    await hosts.setBlock([...entries, { ip: '10.96.0.11', names: ['db'] }]);
    expect(journal.pending()).toEqual([{ kind: 'hosts-block', path, addedNewline: false }]);
    expect(readFileSync(path, 'utf8')).toContain('10.96.0.11 db\n# Kt Hosts End\n');
    // A user edit while connected survives the restore.
    writeFileSync(path, `192.168.1.5 printer\n${readFileSync(path, 'utf8')}`);
    expect(await journal.undoAll()).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe(`192.168.1.5 printer\n${ORIGINAL}`);
  });
});
