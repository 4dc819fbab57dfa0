import { describe, expect, it } from 'vitest';
import { createLog } from './program.js';

describe('in-cluster programs log', () => {
  it('writes `<ISO time> <level> <message>` lines at and above the level', () => {
    const lines: string[] = [];
    const log = createLog('info', (line) => lines.push(line));
    log.debug('hidden');
    log.info('ready: ports 8080');
    log.error('boom');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info ready: ports 8080\n$/);
    expect(lines[1]).toMatch(/ error boom\n$/);
    const silent: string[] = [];
    createLog('silent', (line) => silent.push(line)).error('nothing');
    expect(silent).toEqual([]);
  });
});
