/** A tar entry: a regular file, a directory or a symbolic link, with owner and mode. */
export interface TarEntry {
  /** Path inside the archive, relative, with `/` separators (no leading `/` or `./`). */
  path: string;
  type: 'file' | 'dir' | 'symlink';
  /** File contents (files only). */
  data?: Uint8Array;
  /** Link target (symlinks only). */
  target?: string;
  /** Permission bits, e.g. 0o755. */
  mode: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch; 0 unless told, which is what makes layers reproducible. */
  mtime?: number;
}

const BLOCK = 512;
const TYPE_FLAGS = { file: '0', dir: '5', symlink: '2' } as const;

/** Serialises entries, in the given order, as a POSIX (ustar + pax) tar archive. */
export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.type === 'file' ? Buffer.from(e.data ?? new Uint8Array()) : Buffer.alloc(0);
    const name = e.type === 'dir' && !e.path.endsWith('/') ? `${e.path}/` : e.path;
    const target = e.target ?? '';
    const pax: Record<string, string> = {};
    if (Buffer.byteLength(name) > 100) pax.path = name;
    if (Buffer.byteLength(target) > 100) pax.linkpath = target;
    if (Object.keys(pax).length > 0) {
      const body = paxRecords(pax);
      parts.push(header({ name: 'PaxHeaders/entry', size: body.length, type: 'x', mode: 0o644 }), pad(body));
    }
    parts.push(
      header({
        name: pax.path ? name.slice(-99) : name,
        size: data.length,
        type: TYPE_FLAGS[e.type],
        mode: e.mode,
        uid: e.uid,
        gid: e.gid,
        mtime: e.mtime,
        linkname: pax.linkpath ? '' : target,
      }),
      pad(data),
    );
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

interface HeaderFields {
  name: string;
  size: number;
  type: string;
  mode: number;
  uid?: number | undefined;
  gid?: number | undefined;
  mtime?: number | undefined;
  linkname?: string;
}

function header(f: HeaderFields): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(f.name, 0, 100, 'utf8');
  octal(h, 100, 8, f.mode & 0o7777);
  octal(h, 108, 8, f.uid ?? 0);
  octal(h, 116, 8, f.gid ?? 0);
  octal(h, 124, 12, f.size);
  octal(h, 136, 12, f.mtime ?? 0);
  h.fill(' ', 148, 156);
  h.write(f.type, 156, 1, 'ascii');
  h.write(f.linkname ?? '', 157, 100, 'utf8');
  h.write('ustar\u000000', 257, 8, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return h;
}

function octal(buf: Buffer, offset: number, width: number, value: number): void {
  const s = value.toString(8);
  if (s.length > width - 1) throw new Error(`tar: value ${value} does not fit in ${width - 1} octal digits`);
  buf.write(`${s.padStart(width - 1, '0')}\u0000`, offset, width, 'ascii');
}

/** Pax records are `<len> <key>=<value>\n` where len counts the whole record, itself included. */
function paxRecords(fields: Record<string, string>): Buffer {
  let out = '';
  for (const [k, v] of Object.entries(fields)) {
    const rest = ` ${k}=${v}\n`;
    let len = Buffer.byteLength(rest) + 1;
    while (String(len).length + Buffer.byteLength(rest) !== len) len += 1;
    out += `${len}${rest}`;
  }
  return Buffer.from(out, 'utf8');
}

function pad(data: Buffer): Buffer {
  const rem = data.length % BLOCK;
  return rem === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - rem)]);
}
