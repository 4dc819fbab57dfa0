import { describe, expect, it } from 'vitest';
import { BugError, ErrorCode, UsageError, UserError, isBugError, isUserError } from './errors.js';

describe('error hierarchy', () => {
  it('carries a stable code, a hint, an exit code and its cause', () => {
    const cause = new Error('EADDRINUSE');
    const error = new UserError(ErrorCode.PortInUse, 'Port 2223 is in use', { hint: 'Pass --proxyPort', cause });
    expect([error.code, error.hint, error.exitCode, error.cause]).toEqual(['KT_PORT_IN_USE', 'Pass --proxyPort', 1, cause]);
    expect(new UsageError('bad flag').exitCode).toBe(2);
    expect(new UsageError('bad flag').code).toBe('KT_USAGE');
  });

  it('recognises errors by brand, so a plugin bundling its own copy is understood', () => {
    // A copy of the class from another bundle: same Symbol.for brand, different constructor.
    const foreign = Object.assign(new Error('from a plugin'), { [Symbol.for('ktctl.error.kind')]: 'user', code: 'KT_X', exitCode: 1 });
    expect(isUserError(foreign)).toBe(true);
    expect(foreign instanceof UserError).toBe(false);
    expect(isUserError(new Error('plain'))).toBe(false);
    expect(isUserError(new BugError('oops'))).toBe(false);
    expect(isBugError(new BugError('oops'))).toBe(true);
    expect(isUserError(null)).toBe(false);
  });
});
