/**
 * The downward-API file of `metadata.annotations`: one `key="value"` line per annotation, the value quoted
 * the way Go's `%q` does it (Kubernetes' fieldpath.FormatMap), so \a \b \f \n \r \t \v \\ \" \xNN \uNNNN
 * \UNNNNNNNN and octal \NNN escapes may appear; other UTF-8 text is left as is.
 */

const SIMPLE: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

/** Parses the file's text; malformed lines are skipped (the kubelet never writes them). */
export function parseAnnotations(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const value = unquoteGo(line.slice(eq + 1).trim());
    if (value !== undefined) out.set(line.slice(0, eq).trim(), value);
  }
  return out;
}

/** Formats annotations the way the kubelet does (used by tests and documentation). */
export function formatAnnotations(annotations: Record<string, string>): string {
  return Object.keys(annotations)
    .sort()
    .map((key) => `${key}=${quoteGo(annotations[key]!)}`)
    .join('\n');
}

/** Undoes Go's strconv.Quote; undefined when `quoted` is not one double-quoted Go string. */
export function unquoteGo(quoted: string): string | undefined {
  if (quoted.length < 2 || quoted[0] !== '"' || quoted[quoted.length - 1] !== '"') return undefined;
  const body = quoted.slice(1, -1);
  const bytes: number[] = [];
  const utf8 = (s: string): void => void bytes.push(...Buffer.from(s, 'utf8'));
  for (let i = 0; i < body.length;) {
    const c = body[i]!;
    if (c === '"') return undefined;
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      utf8(String.fromCodePoint(cp));
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) return undefined;
    if (e in SIMPLE) (utf8(SIMPLE[e]!), (i += 2));
    else if (e === 'x') (bytes.push(hex(body, i + 2, 2)), (i += 4));
    else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      const cp = hex(body, i + 2, n);
      if (Number.isNaN(cp) || cp > 0x10ffff) return undefined;
      utf8(String.fromCodePoint(cp));
      i += 2 + n;
    } else if (/[0-7]/.test(e)) {
      const oct = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) return undefined;
      bytes.push(parseInt(oct, 8));
      i += 4;
    } else return undefined;
    if (Number.isNaN(bytes[bytes.length - 1])) return undefined;
  }
  return Buffer.from(bytes).toString('utf8');
}

function hex(s: string, at: number, n: number): number {
  const digits = s.slice(at, at + n);
  return digits.length === n && /^[0-9a-fA-F]+$/.test(digits) ? parseInt(digits, 16) : NaN;
}

/** Go's strconv.Quote for the characters the tests use: JSON-style escapes plus \x for other controls. */
export function quoteGo(value: string): string {
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    const simple = Object.entries(SIMPLE).find(([k, v]) => v === ch && k !== "'");
    if (simple) out += `\\${simple[0]}`;
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
