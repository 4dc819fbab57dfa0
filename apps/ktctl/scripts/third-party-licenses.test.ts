import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { temporaryDir } from '../test/run-ktctl.js';
import { bundledPackages, nodeLicenseBeside, packageRoot, thirdPartyLicenses } from './third-party-licenses.js';

const distDir = fileURLToPath(new URL('../dist/', import.meta.url));

describe('THIRD_PARTY_LICENSES', () => {
  it('finds the package a bundled file belongs to, scoped or nested', () => {
    expect(packageRoot('node_modules/yargs/build/lib/yargs.js')).toBe(['node_modules', 'yargs'].join(sep));
    expect(packageRoot('node_modules/a/node_modules/@k8s/client/dist/x.js')).toBe(
      ['node_modules', 'a', 'node_modules', '@k8s', 'client'].join(sep),
    );
    expect(packageRoot('packages/config/src/store.ts')).toBeUndefined();
  });

  it('lists exactly the npm packages in the real bundle (the global setup builds it), each with its licence', () => {
    const meta = JSON.parse(readFileSync(join(distDir, 'ktctl.meta.json'), 'utf8')) as {
      workingDir: string;
      inputs: Record<string, unknown>;
    };
    const packages = bundledPackages(meta, meta.workingDir);
    const names = packages.map((p) => p.name);
    // What the CLI really runs on is there; our own workspace packages and dev-only tools are not.
    expect(names).toEqual(expect.arrayContaining(['yargs', 'yaml', 'ssh2', 'koffi', '@kubernetes/client-node']));
    expect(names.some((n) => n.startsWith('@ktctl/'))).toBe(false);
    expect(names).not.toContain('vitest');
    expect(names).not.toContain('esbuild');
    for (const p of packages) expect(p.license, p.name).not.toBe('UNKNOWN');
    expect(packages.find((p) => p.name === 'yargs')!.texts[0]).toMatch(/MIT|Permission is hereby granted/);
  });

  it('writes a summary and every text, and says when a package ships no licence file', () => {
    const text = thirdPartyLicenses(
      '1.2.3',
      [
        { name: 'a', version: '1.0.0', license: 'MIT', texts: ['A text'] },
        { name: 'b', version: '2.0.0', license: 'ISC', texts: [] },
      ],
      [{ title: 'Node.js', license: 'MIT', text: 'Node text\n' }],
    );
    expect(text).toMatch(/^ktctl 1\.2\.3 is licensed under the Apache License 2\.0/);
    expect(text).toContain('  - Node.js (MIT)\n  - a 1.0.0 (MIT)\n  - b 2.0.0 (ISC)\n');
    expect(text).toContain('a 1.0.0 (MIT)\n' + '='.repeat(80) + '\n\nA text\n');
    expect(text).toContain('The package ships no licence file; its package.json declares "ISC".');
  });

  it("finds Node's LICENSE in the unpacked npm base (bin/node) or beside an install", () => {
    const dir = temporaryDir('ktctl-node-base-');
    mkdirSync(join(dir, 'bin'));
    expect(nodeLicenseBeside(join(dir, 'bin', 'node'))).toBeUndefined();
    writeFileSync(join(dir, 'LICENSE'), 'Node.js is licensed for use as follows');
    expect(nodeLicenseBeside(join(dir, 'bin', 'node'))).toContain('Node.js is licensed');
  });
});
