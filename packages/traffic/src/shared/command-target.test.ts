import { describe, expect, it } from 'vitest';
import { parseTarget } from './command-target.js';

describe('parseTarget', () => {
  it('reads KtConnect’s target forms', () => {
    expect(parseTarget('web')).toEqual({ kind: 'service', name: 'web' });
    expect(parseTarget('svc/web')).toEqual({ kind: 'service', name: 'web' });
    expect(parseTarget('service/web')).toEqual({ kind: 'service', name: 'web' });
    expect(parseTarget('deployment/web')).toEqual({ kind: 'deployment', name: 'web' });
    expect(parseTarget('deploy/web')).toEqual({ kind: 'deployment', name: 'web' });
    expect(parseTarget('pod/web-1')).toEqual({ kind: 'pod', name: 'web-1' });
  });

  it('rejects other kinds and empty names as usage errors', () => {
    expect(() => parseTarget('statefulset/db')).toThrow(/expected svc, svc\/<name>/);
    expect(() => parseTarget('pod/')).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => parseTarget('')).toThrow(/Name the Service/);
  });
});
