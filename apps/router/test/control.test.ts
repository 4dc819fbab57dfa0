import { ROUTER_RULES_ANNOTATION } from '@ktctl/agent-contract';
import http from 'node:http';
import { mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  annotationsText,
  freePort,
  nameServer,
  putRules,
  ruleSet,
  startChild,
  startInProcess,
  whoAnswers,
  type InProcess,
} from './support/harness.js';

describe('rules: control endpoint, annotation file, restart', () => {
  const servers: http.Server[] = [];
  const ports: Record<string, number> = {};
  let router: InProcess;

  beforeAll(async () => {
    for (const name of ['stuntman', 'mesh-a', 'mesh-b']) {
      const s = await nameServer(name);
      servers.push(s.server);
      ports[name] = s.port;
    }
    router = await startInProcess(ports, ruleSet(3, [['x-version', 'a', 'mesh-a']]));
  });
  afterAll(async () => {
    await router.close();
    for (const s of servers) s.close();
  });

  it('starts from the annotation file and serves GET /rules and /healthz', async () => {
    expect(await (await fetch(`${router.control}/rules`)).json()).toEqual(ruleSet(3, [['x-version', 'a', 'mesh-a']]));
    expect(await (await fetch(`${router.control}/healthz`)).json()).toEqual({ ok: true, generation: 3, ports: [router.port] });
  });

  it('refuses bad updates with one-line JSON errors while requests keep flowing under the old rules', async () => {
    let stop = false;
    const agent = new http.Agent({ keepAlive: true });
    const answers: string[] = [];
    const loop = (async () => {
      while (!stop) answers.push(await whoAnswers(router.port, { 'x-version': 'a' }, agent));
    })();
    const bad = [
      'not json',
      { ...ruleSet(4), extra: true },
      ruleSet(4, [
        ['x-version', 'a', 'mesh-a'],
        ['X-Version', 'a', 'mesh-b'],
      ]),
      ruleSet(4, [['x-version', 'a', 'Not_A_Service']]),
      ruleSet(3, [['x-version', 'a', 'mesh-b']]),
    ];
    const refusals = [];
    for (const body of bad) {
      // Each refusal lands between requests of the loop, which must keep being answered by mesh-a.
      const before = answers.length;
      await waitFor(() => answers.length >= before + 3, 2_000);
      refusals.push(await putRules(router.control, body));
    }
    await waitFor(() => answers.length >= 20, 2_000);
    stop = true;
    await loop;
    agent.destroy();
    expect(refusals.map((r) => r.status)).toEqual([400, 400, 400, 400, 409]);
    for (const r of refusals) {
      expect(r.body.trim().split('\n')).toHaveLength(1);
      expect(Object.keys(JSON.parse(r.body) as object)).toEqual(['error']);
    }
    expect(JSON.parse(refusals[2]!.body).error).toMatch(/already routed by route 0 \(user user-of-mesh-a\)/);
    expect(new Set(answers)).toEqual(new Set(['mesh-a']));
    expect(((await (await fetch(`${router.control}/healthz`)).json()) as { generation: number }).generation).toBe(3);
  });

  it('applies a newer generation from PUT /rules at once (two developers, different keys)', async () => {
    const next = ruleSet(5, [
      ['x-version', 'a', 'mesh-a'],
      ['x-dev', 'b', 'mesh-b'],
    ]);
    const res = await putRules(router.control, next);
    expect(res.status).toBe(200);
    expect(await whoAnswers(router.port, { 'x-dev': 'b' })).toBe('mesh-b');
    expect(await whoAnswers(router.port, { 'x-version': 'a', 'x-dev': 'b' })).toBe('mesh-a');
    expect(await whoAnswers(router.port, { 'x-version': 'b' })).toBe('stuntman');
  });

  it('applies a newer generation written to the annotations file the way the kubelet does (symlink swap)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kt-router-podinfo-'));
    try {
      const write = (name: string, text: string): void => {
        mkdirSync(join(dir, name));
        writeFileSync(join(dir, name, 'annotations'), text);
        symlinkSync(name, join(dir, '..data_tmp'));
        renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
      };
      write('..v1', annotationsText(ruleSet(1)));
      symlinkSync('..data/annotations', join(dir, 'annotations'));
      // A router reading this directory's file: start at generation 1, then see generation 2 appear.
      const { startRouter } = await import('../src/router.js');
      const { createLog } = await import('../src/log.js');
      const port = await freePort();
      const r = await startRouter(
        {
          logLevel: 'silent',
          ports: [port],
          host: '127.0.0.1',
          controlPort: 0,
          annotationsFile: join(dir, 'annotations'),
          defaultBackend: undefined,
          sniffTimeoutMs: 200,
          rulesPollMs: 5_000,
          backendAddresses: new Map(),
        },
        createLog('silent'),
        { resolve: (b) => ({ host: '127.0.0.1', port: ports[b]! }) },
      );
      try {
        expect(r.rules.current.generation).toBe(1);
        write('..v2', annotationsText(ruleSet(2, [['x-version', 'b', 'mesh-b']])));
        await waitFor(() => r.rules.current.generation === 2, 2_000);
        expect(await whoAnswers(port, { 'x-version': 'b' })).toBe('mesh-b');
        // A bad or older file is ignored.
        write('..v3', `${ROUTER_RULES_ANNOTATION}="{not json"`);
        write('..v4', annotationsText(ruleSet(1)));
        await new Promise((res) => setTimeout(res, 300));
        expect(r.rules.current.generation).toBe(2);
      } finally {
        await r.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads its rules back from the annotations file after a restart (the bundle, as in the image)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kt-router-restart-'));
    const file = join(dir, 'annotations');
    try {
      writeFileSync(file, annotationsText(ruleSet(7, [['x-version', 'b', 'mesh-b']])));
      const first = await startChild(ports, file);
      expect(await whoAnswers(first.port, { 'x-version': 'b' })).toBe('mesh-b');
      // The laptop PUTs a new generation and patches the annotation; then the router pod restarts.
      const next = ruleSet(8, [['x-version', 'a', 'mesh-a']]);
      expect((await putRules(first.control, next)).status).toBe(200);
      writeFileSync(file, annotationsText(next));
      await first.stop();
      const second = await startChild(ports, file);
      try {
        expect(await (await fetch(`${second.control}/rules`)).json()).toEqual(next);
        expect(await whoAnswers(second.port, { 'x-version': 'a' })).toBe('mesh-a');
        expect(second.stderr()).toMatch(/rules generation 8/);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
