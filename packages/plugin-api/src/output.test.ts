import { describe, expect, it } from 'vitest';
import { formatTable, outputFormat, printReadyEvent, printReport, toYaml } from './output.js';

describe('output', () => {
  it('reads the format from the options (table is text, unknown is text)', () => {
    expect(outputFormat({ output: 'json' })).toBe('json');
    expect(outputFormat({ output: 'yaml' })).toBe('yaml');
    expect(outputFormat({ output: 'table' })).toBe('text');
    expect(outputFormat({})).toBe('text');
  });

  it('prints a report as the format asks', () => {
    const lines: string[] = [];
    const report = { services: [{ name: 'web', state: 'normal' }] };
    printReport({ options: { output: 'json' }, print: (t) => lines.push(t) }, report, () => 'TABLE');
    printReport({ options: {}, print: (t) => lines.push(t) }, report, () => 'TABLE');
    printReport({ options: { output: 'yaml' }, print: (t) => lines.push(t) }, report, () => 'TABLE');
    expect(JSON.parse(lines[0]!)).toEqual(report);
    expect(lines[1]).toBe('TABLE');
    expect(lines[2]).toBe('services:\n  - name: web\n    state: normal');
  });

  it('writes YAML that quotes what could read as something else', () => {
    expect(
      toYaml({
        a: 'yes',
        b: '123',
        c: 'x: y',
        d: null,
        e: [],
        f: {},
        g: [1, [2, 3]],
        h: { i: 'plain-word', j: true },
        k: undefined,
        l: '',
        m: 'version: abc',
      }),
    ).toBe(
      [
        'a: "yes"',
        'b: "123"',
        'c: "x: y"',
        'd: null',
        'e: []',
        'f: {}',
        'g:',
        '  - 1',
        '  - - 2',
        '    - 3',
        'h:',
        '  i: plain-word',
        '  j: true',
        'l: ""',
        'm: "version: abc"',
        '',
      ].join('\n'),
    );
  });

  it('lays out a table with a dash for empty cells', () => {
    expect(
      formatTable(
        ['NAME', 'STATE', 'BY'],
        [
          ['web', 'normal', ''],
          ['longer-name', 'exchanged', 'alice'],
        ],
      ),
    ).toBe(['NAME         STATE      BY', 'web          normal     -', 'longer-name  exchanged  alice'].join('\n'));
  });

  it('prints the ready event as one JSON line only with -o json or yaml', () => {
    const lines: string[] = [];
    const ctx = { command: ['forward'], print: (t: string) => lines.push(t) };
    printReadyEvent({ ...ctx, options: {} }, { localPort: 8080 });
    printReadyEvent({ ...ctx, options: { output: 'json' } }, { localPort: 8080 });
    printReadyEvent({ ...ctx, options: { output: 'yaml' } }, { localPort: 8080 });
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toEqual({ event: 'ready', command: 'forward', pid: process.pid, localPort: 8080 });
    expect(lines[0]).not.toContain('\n');
  });
});
