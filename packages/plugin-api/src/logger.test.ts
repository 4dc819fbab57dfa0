import { describe, expect, it } from 'vitest';
import { createLogger, createProgress, progressReporter } from './logger.js';

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

  it('reports service progress events one line each, the first starting the step', () => {
    const out = sink();
    const report = progressReporter(createProgress(createLogger('info', out)));
    report('shadow pod', 'scheduled');
    report('shadow pod', 'ready');
    report('scale', 'web scaled from 2 to 0');
    expect(out.lines).toEqual(['shadow pod: scheduled\n', 'shadow pod: ready\n', 'scale: web scaled from 2 to 0\n']);
  });
});
