// After `kill -9` nothing of ktctl runs to clean up: the journal it wrote before each change is all there
// is. restoreStale() (what `ktctl clean` and the next `ktctl connect` call) must put the laptop back.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLUSTER, hostKtTraces, ORIGINAL_RESOLV, restoreStale, sandboxSuite, snapshot, Subject, withTimeout } from './sandbox.js';

describe('kill -9 in the middle of a session', () => {
  const { netns, sandbox, subjects, before } = sandboxSuite();

  const connect = async () => {
    const subject = new Subject(netns, sandbox, { action: 'connect', backend: 'iptables', ...CLUSTER });
    subjects.push(subject);
    const ready = await subject.next('ready');
    expect(ready.event).toBe('ready');
    return { subject, pid: ready.pid as number };
  };

  const killHard = async (subject: Subject, pid: number) => {
    process.kill(pid, 'SIGKILL');
    await withTimeout(subject.exited, 'the killed subject');
  };

  it('leaves its changes and its journal behind, and restoreStale() undoes them all', async () => {
    const { subject, pid } = await connect();
    await killHard(subject, pid);
    expect(await snapshot(netns, sandbox)).not.toEqual(before());
    const journal = JSON.parse(readFileSync(join(sandbox.ktHome, 'journal', `${pid}.json`), 'utf8')) as {
      entries: { entry: { kind: string } }[];
    };
    expect(journal.entries.map((e) => e.entry.kind)).toEqual([
      'iptables-chain',
      'iptables-chain',
      'route-added',
      'file-replaced',
      'hosts-block',
    ]);

    const listed = await new Subject(netns, sandbox, { action: 'stale-changes' }).next('stale');
    expect(listed.runs).toEqual([
      {
        pid,
        command: 'connect',
        changes: [
          'hosts-block (path=/etc/hosts addedNewline=true)',
          expect.stringMatching(/^file-replaced \(path=\/etc\/resolv\.conf written=[0-9a-f]{64} fallback=resolv-conf\)$/),
          'route-added (cidr=10.99.0.0/16 device=ktnp0)',
          'iptables-chain (binary=iptables table=nat chain=KT_DNS createdTable=false)',
          'iptables-chain (binary=iptables table=nat chain=KT_CONNECT createdTable=false)',
        ],
      },
    ]);
    expect(await snapshot(netns, sandbox)).not.toEqual(before());

    const restored = await restoreStale(netns, sandbox);
    expect(restored.report).toEqual({
      restored: [{ pid, command: 'connect', changes: 5 }],
      failed: [],
      stalePidFiles: [join(sandbox.ktHome, 'pid', `connect-${pid}.pid`)],
    });
    expect(await snapshot(netns, sandbox)).toEqual(before());
    expect(readdirSync(join(sandbox.ktHome, 'journal'))).toEqual([]);
  });

  it('finishes a half-done undo: changes already gone by hand are fine', async () => {
    const { subject, pid } = await connect();
    await killHard(subject, pid);
    // As if an earlier undo had got this far before it died too.
    await netns.run('ip', ['route', 'del', '10.99.0.0/16', 'dev', 'ktnp0']);
    await netns.run('iptables', ['-t', 'nat', '-D', 'OUTPUT', '-j', 'KT_CONNECT']);
    const restored = await restoreStale(netns, sandbox);
    expect(restored.report).toMatchObject({ restored: [{ pid, changes: 5 }], failed: [] });
    expect(await snapshot(netns, sandbox)).toEqual(before());
  });

  it('the next connect restores what the killed one left, then runs and restores its own', async () => {
    const first = await connect();
    await killHard(first.subject, first.pid);
    const second = await connect();
    expect(existsSync(join(sandbox.ktHome, 'journal', `${first.pid}.json`))).toBe(false);
    // The stale run's lines are gone: exactly one block of ours, not two.
    expect(readFileSync(sandbox.resolvConf, 'utf8').match(/# Kt DNS Begin/g)).toHaveLength(1);
    expect((await netns.run('iptables-save', ['-t', 'nat'])).match(/-A OUTPUT -j KT_CONNECT/g)).toHaveLength(1);
    expect(await second.subject.stop()).toBe(0);
    expect(await snapshot(netns, sandbox)).toEqual(before());
    expect(readFileSync(sandbox.resolvConf, 'utf8')).toBe(ORIGINAL_RESOLV);
  });

  it('restoreStale() leaves a live run alone', async () => {
    const live = await connect();
    const during = await snapshot(netns, sandbox);
    const restored = await restoreStale(netns, sandbox);
    expect(restored.report).toEqual({ restored: [], failed: [], stalePidFiles: [] });
    expect(await snapshot(netns, sandbox)).toEqual(during);
    expect(await live.subject.stop()).toBe(0);
    expect(await snapshot(netns, sandbox)).toEqual(before());
  });
});

describe('the host', () => {
  it('never saw any of it', async () => {
    expect(await hostKtTraces()).toEqual([]);
  });
});
