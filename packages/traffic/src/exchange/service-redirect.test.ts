import { describe, expect, it } from 'vitest';
import { takenBy } from './service-redirect.js';

const svc = (selector: Record<string, string>, annotations: Record<string, string> = {}) => ({
  metadata: { name: 'web', annotations },
  spec: { selector },
});

describe('takenBy (a run back from sleep: re-apply its redirect, or leave the Service to whoever took it)', () => {
  const now = 1_800_000_000;
  it('a Service put back to its own pods (a clean) is nobody’s: the redirect is re-applied', () => {
    expect(takenBy(svc({ app: 'web' }), 'web-kt-exchange-abcde', now)).toBeUndefined();
  });
  it('our own redirect is ours', () => {
    expect(takenBy(svc({ 'kt-target': 'web-kt-exchange-abcde' }, { 'kt-user': 'alice' }), 'web-kt-exchange-abcde', now)).toBeUndefined();
  });
  it('another shadow in the selector: taken, named by its kt-user', () => {
    expect(takenBy(svc({ 'kt-target': 'web-kt-exchange-zzzzz' }, { 'kt-user': 'bob' }), 'web-kt-exchange-abcde', now)).toBe('bob');
    expect(takenBy(svc({ 'kt-target': 'web-kt-exchange-zzzzz' }), 'web-kt-exchange-abcde', now)).toBe('another ktctl run');
  });
  it('a fresh kt-lock (someone starting) is taken; a stale one is not', () => {
    expect(takenBy(svc({ app: 'web' }, { 'kt-lock': String(now - 5), 'kt-user': 'bob' }), 't', now)).toBe('bob');
    expect(takenBy(svc({ app: 'web' }, { 'kt-lock': String(now - 3600), 'kt-user': 'bob' }), 't', now)).toBeUndefined();
  });
});
