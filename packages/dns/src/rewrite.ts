import { normalizeName } from './names.js';

/** The part of a resource record whose owner name can be rewritten. */
export interface NamedRecord {
  name: string;
}

/**
 * Renames the records owned by `asked` (the expanded name sent upstream) to `original` (the name the client
 * asked), so the client sees an answer to its own question. Records of other owners, such as the target of
 * a CNAME, are kept: the client follows the chain by those names.
 */
export function rewriteAnswerNames<T extends NamedRecord>(records: readonly T[], asked: string, original: string): T[] {
  const from = normalizeName(asked);
  return records.map((record) => (normalizeName(record.name) === from ? { ...record, name: original } : record));
}
