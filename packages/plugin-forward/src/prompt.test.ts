import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { askChoice } from './prompt.js';

function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = '';
  output.on('data', (d: Buffer) => (shown += d.toString()));
  return { terminal: { input, output }, input, shown: () => shown };
}

const choices = [
  { label: '80 (http)', value: 80, keys: ['80', 'http'] },
  { label: '9000 (tcp-echo)', value: 9000, keys: ['9000', 'tcp-echo'] },
];

describe('askChoice', () => {
  it('lists the choices and takes a number', async () => {
    const t = terminal();
    const answer = askChoice(t.terminal, 'Which port?', choices);
    t.input.write('2\n');
    expect(await answer).toBe(9000);
    expect(t.shown()).toContain('Which port?\n  1) 80 (http)\n  2) 9000 (tcp-echo)\nChoose 1-2: ');
  });

  it('takes the value or name itself, and asks again after a wrong answer', async () => {
    const t = terminal();
    const answer = askChoice(t.terminal, 'Which port?', choices);
    t.input.write('7\n');
    await new Promise((r) => setTimeout(r, 20));
    t.input.write('http\n');
    expect(await answer).toBe(80);
    expect(t.shown()).toContain('"7" is not one of the choices');
  });

  it('gives up with KT_CANCELLED after three wrong answers or when cancelled', async () => {
    const t = terminal();
    const answer = expect(askChoice(t.terminal, 'Which port?', choices)).rejects.toMatchObject({ code: 'KT_CANCELLED' });
    for (const a of ['x', 'y', 'z']) {
      t.input.write(`${a}\n`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await answer;
    const c = terminal();
    const abort = new AbortController();
    const cancelled = askChoice(c.terminal, 'Which port?', choices, abort.signal);
    abort.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'KT_CANCELLED' });
  });
});
