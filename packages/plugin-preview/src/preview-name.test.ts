import { describe, expect, it } from 'vitest';
import { checkPreviewName } from './preview-name.js';

describe('checkPreviewName', () => {
  it('takes DNS-1035 labels that leave room for the shadow suffix', () => {
    expect(checkPreviewName('demo-1')).toBe('demo-1');
    for (const bad of ['Demo', '1demo', 'demo_1', 'demo-', 'a'.repeat(55)])
      expect(() => checkPreviewName(bad), bad).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});
