import { createInterface } from 'node:readline/promises';
import { ErrorCode, UserError } from '@ktctl/plugin-api';

/** Where a question is asked: a terminal's input and output. */
export interface Terminal {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
}

/** The process's terminal, when both ends are one (never in scripts or CI). */
export function processTerminal(): Terminal | undefined {
  return process.stdin.isTTY && process.stderr.isTTY ? { input: process.stdin, output: process.stderr } : undefined;
}

/**
 * Asks the user to pick one of `choices` by number (or by typing the value itself); asks again after a
 * wrong answer, at most three times; Ctrl-C (the signal) or closed input cancels.
 */
export async function askChoice<T>(
  terminal: Terminal,
  question: string,
  choices: readonly { label: string; value: T; keys?: readonly string[] }[],
  signal?: AbortSignal,
): Promise<T> {
  const rl = createInterface({ input: terminal.input, output: terminal.output, terminal: false });
  try {
    terminal.output.write(`${question}\n${choices.map((c, i) => `  ${i + 1}) ${c.label}`).join('\n')}\n`);
    for (let attempt = 0; attempt < 3; attempt++) {
      const answer = (await rl.question(`Choose 1-${choices.length}: `, { signal })).trim();
      const byNumber = /^\d+$/.test(answer) ? choices[Number(answer) - 1] : undefined;
      const chosen = byNumber ?? choices.find((c) => c.keys?.includes(answer));
      if (chosen) return chosen.value;
      terminal.output.write(`"${answer}" is not one of the choices\n`);
    }
  } catch (error) {
    throw new UserError(ErrorCode.Cancelled, 'No port chosen', { cause: error });
  } finally {
    rl.close();
  }
  throw new UserError(ErrorCode.Cancelled, 'No port chosen after three tries', {
    hint: 'Give the port on the command line: <local>:<port>',
  });
}
