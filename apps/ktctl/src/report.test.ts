import { describe, expect, it } from 'vitest';
import { UserError } from '@ktctl/plugin-api';
import { reportError } from './report.js';

function report(error: unknown): { code: number; text: string } {
  let text = '';
  const code = reportError(error, { debug: false, stderr: { write: (t) => void (text += t) } });
  return { code, text };
}

describe('reportError', () => {
  it('prints a user error as one line with its code, even when its message quotes a multi-line cause', () => {
    const error = new UserError(
      'KT_INVALID_CONFIG',
      'Cannot read kubeconfig /k: unexpected end of the stream (2:1)\n\n 1 | garbage: [\n-----^',
      {
        hint: 'Fix the file\nor remove it',
      },
    );
    const { code, text } = report(error);
    expect(code).toBe(1);
    expect(text).toBe('error: Cannot read kubeconfig /k: unexpected end of the stream (2:1). Fix the file. [KT_INVALID_CONFIG]\n');
  });

  it('turns anything else into a bug report', () => {
    const { code, text } = report(new Error('boom'));
    expect(code).toBe(1);
    expect(text).toMatch(/^error: ktctl failed unexpectedly: boom \[KT_BUG\]\n/);
  });
});
