import type { CommandDefinition, FlagSpec } from '@ktctl/plugin-api';
import { describe, expect, it } from 'vitest';
import { complete, formatCompletion, type ClusterNames } from './engine.js';

const globals: FlagSpec[] = [
  { name: 'namespace', alias: 'n', type: 'string', description: 'Namespace' },
  { name: 'debug', alias: 'd', type: 'boolean', description: 'Debug' },
  { name: 'secret', type: 'string', description: 'hidden one', hidden: true },
];
const commands: CommandDefinition[] = [
  {
    name: 'exchange',
    description: 'Exchange',
    positionals: [{ name: 'target', description: 'the Service', required: true }],
    flags: [{ name: 'mode', type: 'string', description: 'Mode', choices: ['selector', 'scale'] }],
    passthrough: { name: 'command', description: 'a command' },
  },
  { name: 'config', description: 'Config', subcommands: [{ name: 'show', description: 'Show' }] },
];

/** The cluster's answers, as the completion sees them; `slow` never answers. */
function names(slow = false): ClusterNames & { asked: unknown[] } {
  const asked: unknown[] = [];
  const answer = (list: string[]) => (target: unknown) => {
    asked.push(target);
    return slow ? new Promise<string[]>(() => {}) : Promise.resolve(list);
  };
  return { asked, namespaces: answer(['dev', 'prod']), services: answer(['web', 'api']) };
}

const values = async (words: string[], cluster = names()) =>
  (await complete(words, { commands, globalFlags: globals, cluster }, 200)).candidates.map((c) => c.value);

describe('complete', () => {
  it('walks past flags and their values to the command and positional being typed', async () => {
    expect(await values(['-d', '-n', 'dev', 'ex'])).toEqual(['exchange']);
    expect(await values(['config', ''])).toEqual(['show']);
    const cluster = names();
    expect(await values(['exchange', '--namespace=dev', '--debug', ''], cluster)).toEqual(['web', 'api']);
    expect(cluster.asked).toEqual([{ namespace: 'dev' }]);
    expect(await values(['exchange', 'web', ''])).toEqual([]);
  });

  it('offers no hidden flag, and nothing of its own after "--"', async () => {
    expect(await values(['exchange', '--'])).toEqual(['--mode', '--namespace', '--debug', '--help']);
    const after = await complete(['exchange', 'web', '--', 'cu'], { commands, globalFlags: globals });
    expect(after).toEqual({ candidates: [], directive: 0 });
  });

  it('a boolean (or --no-boolean) takes no value: the next word is a positional', async () => {
    expect(await values(['exchange', '--no-debug', 'w'])).toEqual(['web']);
    expect(await values(['exchange', '--debug=t'])).toEqual([]);
  });

  it('gives up on a cluster slower than its bound', async () => {
    const started = Date.now();
    expect(await values(['-n', ''], names(true))).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("answers in cobra's format", () => {
    expect(formatCompletion({ candidates: [{ value: 'a', description: 'two\nlines' }, { value: 'b' }], directive: 4 })).toBe(
      'a\ttwo lines\nb\n:4\n',
    );
  });
});
