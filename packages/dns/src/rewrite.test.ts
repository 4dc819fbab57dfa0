import { describe, expect, it } from 'vitest';
import { rewriteAnswerNames } from './rewrite.js';

describe('rewriteAnswerNames', () => {
  it('renames the records owned by the expanded name, case-insensitively', () => {
    const records = [
      { name: 'web.team-a.svc.cluster.local', type: 1, address: '10.0.0.1' },
      { name: 'WEB.team-a.svc.cluster.local.', type: 1, address: '10.0.0.2' },
    ];
    expect(rewriteAnswerNames(records, 'web.team-a.svc.cluster.local', 'web')).toEqual([
      { name: 'web', type: 1, address: '10.0.0.1' },
      { name: 'web', type: 1, address: '10.0.0.2' },
    ]);
  });

  it('keeps a CNAME target owned by another name and does not mutate its input', () => {
    const records = [
      { name: 'ext.team-a.svc.cluster.local', type: 5, domain: 'example.org' },
      { name: 'example.org', type: 1, address: '192.0.2.1' },
    ];
    const out = rewriteAnswerNames(records, 'ext.team-a.svc.cluster.local', 'ext');
    expect(out.map((r) => r.name)).toEqual(['ext', 'example.org']);
    expect(records[0]!.name).toBe('ext.team-a.svc.cluster.local');
  });
});
