import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunStateFile, runStateDir } from '@ktctl/netplatform';
import { describe, expect, it } from 'vitest';
import { localStatus, statusText } from './index.js';

const LIVE = 4101;
const DEAD = 4102;
const isAlive = (pid: number) => pid === LIVE;

function home(): string {
  return mkdtempSync(join(tmpdir(), 'kt-status-'));
}

describe('ktctl status (local)', () => {
  it('is healthy and says so when nothing runs', () => {
    const report = localStatus({ KT_HOME: home() }, isAlive);
    expect(report).toEqual({ runs: [], pendingClean: [], healthy: true });
    expect(statusText(report)).toBe('# no ktctl command runs on this machine');
  });

  it('reports a live connect field by field, and a killed exchange as dead with its journal waiting for clean', () => {
    const dir = home();
    const connect = new RunStateFile(runStateDir(dir), 'connect', { namespace: 'dev', context: 'kind' }, LIVE);
    connect.update({
      state: 'connected',
      shadow: 'kt-connect-shadow-abcde',
      proxy: '127.0.0.1:2223',
      mode: 'tun2socks',
      tun: { device: 'kt0', address: '198.18.0.1', routes: ['10.96.0.0/16'] },
      dnsMode: 'localDNS',
    });
    new RunStateFile(runStateDir(dir), 'exchange', { namespace: 'dev' }, DEAD).update({
      state: 'connected',
      shadow: 'web-kt-exchange-qwert',
    });
    mkdirSync(join(dir, 'journal'));
    writeFileSync(
      join(dir, 'journal', `${DEAD}.json`),
      JSON.stringify({
        version: 1,
        pid: DEAD,
        command: 'connect',
        startedAt: new Date().toISOString(),
        entries: [{ seq: 1, state: 'applied', entry: { kind: 'route', cidr: '10.96.0.0/16', device: 'kt0' } }],
      }),
    );
    const report = localStatus({ KT_HOME: dir }, isAlive);
    expect(report.healthy).toBe(false);
    const live = report.runs.find((r) => r.command === 'connect')!;
    expect(live).toMatchObject({
      pid: LIVE,
      alive: true,
      state: 'connected',
      namespace: 'dev',
      context: 'kind',
      shadow: 'kt-connect-shadow-abcde',
      proxy: '127.0.0.1:2223',
      tun: { device: 'kt0', routes: ['10.96.0.0/16'] },
      dnsMode: 'localDNS',
    });
    expect(Date.parse(live.since)).not.toBeNaN();
    expect(report.runs.find((r) => r.command === 'exchange')).toMatchObject({ pid: DEAD, alive: false, state: 'dead' });
    expect(report.pendingClean).toEqual([{ pid: DEAD, command: 'connect', changes: ['route (cidr=10.96.0.0/16 device=kt0)'] }]);
    expect(report.hint).toContain('ktctl clean');
    const text = statusText(report);
    expect(text).toMatch(
      /^connect\s+4101\s+\S+\s+connected\s+dev\s+kind\s+kt-connect-shadow-abcde\s+proxy 127.0.0.1:2223; tun kt0 routes 10.96.0.0\/16; dns localDNS$/m,
    );
    expect(text).toMatch(/^exchange\s+4102\s+\S+\s+dead\s+dev/m);
    expect(text).toContain('dead connect (pid 4102) left 1 change(s) on this machine:\n  route (cidr=10.96.0.0/16 device=kt0)');
  });

  it('is unhealthy while a live run reconnects', () => {
    const dir = home();
    new RunStateFile(runStateDir(dir), 'forward', {}, LIVE).update({ state: 'reconnecting' });
    expect(localStatus({ KT_HOME: dir }, isAlive)).toMatchObject({ healthy: false, runs: [{ state: 'reconnecting' }] });
  });
});
