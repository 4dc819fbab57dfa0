// /etc/resolv.conf is often a symlink (NetworkManager, resolvconf): ktctl edits the file it points to,
// keeps the link, and puts the target back byte for byte. Here /etc itself is a private copy (bind-mounted
// in the subject's mount namespace), so the real paths are exercised and files are replaced by rename.
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUserRules, CLUSTER, Netns, ORIGINAL_HOSTS, ORIGINAL_RESOLV, Sandbox, snapshot, Subject, hostKtTraces } from './sandbox.js';

describe('a symlinked /etc/resolv.conf', () => {
  const netns = new Netns();
  const sandbox = new Sandbox({ symlinkedResolvConf: true });
  const etc = sandbox.etc!;
  let subject: Subject | undefined;
  let before: Record<string, string>;
  let etcNames: string[];

  beforeAll(async () => {
    await netns.create();
    await addUserRules(netns);
    before = await snapshot(netns, sandbox);
    etcNames = readdirSync(etc).sort();
  });

  afterAll(async () => {
    subject?.kill();
    await netns.destroy();
    sandbox.remove();
  });

  it('edits the target through the link and leaves the link a link', async () => {
    subject = new Subject(netns, sandbox, { action: 'connect', backend: 'nft', ...CLUSTER });
    expect(await subject.next('ready')).toMatchObject({ event: 'ready', dnsBackend: 'resolv.conf' });
    expect(lstatSync(join(etc, 'resolv.conf')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(etc, 'resolv.conf'))).toBe(sandbox.resolvConf);
    expect(readFileSync(sandbox.resolvConf, 'utf8')).toMatch(/^# Kt DNS Begin\nnameserver 127\.0\.0\.1\n/);
    expect(readFileSync(sandbox.hosts, 'utf8')).toContain('# Kt Hosts Begin\n10.99.0.5 web ');
  });

  it('restores both files byte for byte, with no temp files left in /etc', async () => {
    expect(await subject!.stop()).toBe(0);
    expect(await snapshot(netns, sandbox)).toEqual(before);
    expect(readFileSync(sandbox.resolvConf, 'utf8')).toBe(ORIGINAL_RESOLV);
    expect(readFileSync(sandbox.hosts, 'utf8')).toBe(ORIGINAL_HOSTS);
    expect(lstatSync(join(etc, 'resolv.conf')).isSymbolicLink()).toBe(true);
    expect(readdirSync(etc).sort()).toEqual(etcNames);
  });
});

describe('the host', () => {
  it('never saw any of it', async () => {
    expect(await hostKtTraces()).toEqual([]);
  });
});
