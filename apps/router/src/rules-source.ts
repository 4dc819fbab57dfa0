/**
 * The rules' durable copy: the router pod's annotation, seen through the downward-API file. Read once at start,
 * then watched: the kubelet replaces the file by swapping a `..data` symlink in its directory, so the directory
 * is watched and the file is also re-read every `pollMs` (watches can miss a swap on some filesystems).
 */
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { Log } from './log.js';
import { rulesFromAnnotations, type RuleTable } from './rules.js';

/** The rule set in the annotations file; undefined when the file or the annotation does not exist. */
export function readRulesFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return rulesFromAnnotations(text);
}

/** Applies every newer generation that appears in the file; returns a stop function. */
export function watchRulesFile(path: string, rules: RuleTable, pollMs: number, log: Log): () => void {
  let lastText: string | undefined;
  const check = (): void => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return;
    }
    if (text === lastText) return;
    lastText = text;
    try {
      const input = rulesFromAnnotations(text);
      if (input === undefined) return;
      const generation = (input as { generation?: unknown }).generation;
      if (typeof generation === 'number' && generation <= rules.current.generation) return;
      rules.apply(input, path);
    } catch (error) {
      log.warn(`${path}: rules not applied: ${(error as Error).message}`);
    }
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, () => check());
    watcher.on('error', () => undefined);
  } catch {
    log.debug(`${dirname(path)}: cannot watch, polling every ${pollMs} ms`);
  }
  const timer = setInterval(check, pollMs);
  timer.unref();
  check();
  return () => {
    clearInterval(timer);
    watcher?.close();
  };
}
