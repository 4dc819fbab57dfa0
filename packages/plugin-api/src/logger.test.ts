import { describe, expect, it } from 'vitest';
import { createLogger, createProgress } from './logger.js';

function sink() {
  const lines: string[] = [];
  return { lines, write: (t: string) => void lines.push(t) };
}

describe('logger', () => {
  it('drops messages below its level and prefixes all but info', () => {
    const out = sink();
    const logger = createLogger('info', out);
    logger.debug('hidden');
    logger.info('shown');
    logger.warn('careful');
    expect(out.lines).toEqual(['shown\n', 'warn: careful\n']);
  });

  it('reports progress steps as lines', () => {
    const out = sink();
    const step = createProgress(createLogger('debug', out)).start('Waiting for pod');
    step.update('scheduled');
    step.done();
    expect(out.lines).toEqual(['Waiting for pod…\n', 'Waiting for pod: scheduled\n', 'Waiting for pod: done\n']);
  });
});
