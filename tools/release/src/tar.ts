// Just enough tar for the release: reading the image-layout tarballs our OCI builder writes (ustar, with pax
// `path` records for long names) and writing the small krew archives (short names only).
const BLOCK = 512;

export interface TarFile {
  readonly path: string;
  readonly type: 'file' | 'dir' | 'symlink' | 'other';
  readonly mode: number;
  readonly data: Buffer;
}

function octal(header: Buffer, offset: number, length: number): number {
  const text = header
    .toString('latin1', offset, offset + length)
    .replace(/\0.*$/s, '')
    .trim();
  return text ? parseInt(text, 8) : 0;
}

function paxPath(body: Buffer): string | undefined {
  let rest = body.toString('utf8');
  while (rest.length > 0) {
    const space = rest.indexOf(' ');
    const length = parseInt(rest.slice(0, space), 10);
    const record = Buffer.from(rest, 'utf8').subarray(0, length).toString('utf8');
    const [key, ...value] = record.slice(space + 1, -1).split('=');
    if (key === 'path') return value.join('=');
    rest = Buffer.from(rest, 'utf8').subarray(length).toString('utf8');
  }
  return undefined;
}

/** Every entry of an uncompressed tar archive, in order. */
export function readTar(archive: Buffer): TarFile[] {
  const files: TarFile[] = [];
  let offset = 0;
  let longPath: string | undefined;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    const flag = String.fromCharCode(header[156]!);
    const data = archive.subarray(offset + BLOCK, offset + BLOCK + size);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'x') {
      longPath = paxPath(data);
      continue;
    }
    const name = header.toString('utf8', 0, 100).replace(/\0.*$/s, '');
    const prefix = header.toString('utf8', 345, 500).replace(/\0.*$/s, '');
    const path = longPath ?? (prefix ? `${prefix}/${name}` : name);
    longPath = undefined;
    const type = flag === '0' || flag === '\0' ? 'file' : flag === '5' ? 'dir' : flag === '2' ? 'symlink' : 'other';
    files.push({ path: path.replace(/^\.\//, ''), type, mode: octal(header, 100, 8), data: Buffer.from(data) });
  }
  return files;
}

function field(header: Buffer, offset: number, length: number, value: string): void {
  header.write(value, offset, length, 'latin1');
}

/** A ustar archive of regular files (owner 0, mtime 0), in the given order: the same input gives the same bytes. */
export function writeTar(files: readonly { path: string; data: Buffer; mode: number }[]): Buffer {
  const parts: Buffer[] = [];
  for (const file of files) {
    if (Buffer.byteLength(file.path) > 100) throw new Error(`tar: ${file.path} is longer than 100 bytes`);
    const header = Buffer.alloc(BLOCK);
    field(header, 0, 100, file.path);
    field(header, 100, 8, `${file.mode.toString(8).padStart(7, '0')}\0`);
    field(header, 108, 8, '0000000\0');
    field(header, 116, 8, '0000000\0');
    field(header, 124, 12, `${file.data.length.toString(8).padStart(11, '0')}\0`);
    field(header, 136, 12, '00000000000\0');
    field(header, 148, 8, '        ');
    field(header, 156, 1, '0');
    field(header, 257, 8, 'ustar\x0000');
    const sum = header.reduce((total, byte) => total + byte, 0);
    field(header, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
    parts.push(header, file.data, Buffer.alloc((BLOCK - (file.data.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
