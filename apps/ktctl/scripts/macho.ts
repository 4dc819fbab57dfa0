// Just enough Mach-O (64-bit, little-endian) to drop a code signature on a build machine without Apple's
// `codesign`: a signed binary changed by postject would be killed by macOS, an unsigned x64 one runs.
// darwin-arm64 needs an ad-hoc signature and is built on a macOS runner instead.
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';

const MH_MAGIC_64 = 0xfeedfacf;
const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;
const HEADER_SIZE = 32;

export interface LoadCommand {
  readonly cmd: number;
  readonly offset: number;
  readonly size: number;
  /** Segment name, for LC_SEGMENT_64. */
  readonly segment?: string;
}

/** The load commands of a 64-bit Mach-O image. */
export function loadCommands(file: Buffer): LoadCommand[] {
  if (file.readUInt32LE(0) !== MH_MAGIC_64) throw new Error('not a 64-bit little-endian Mach-O file');
  const commands: LoadCommand[] = [];
  let offset = HEADER_SIZE;
  for (let i = 0; i < file.readUInt32LE(16); i++) {
    const cmd = file.readUInt32LE(offset);
    const size = file.readUInt32LE(offset + 4);
    const segment = cmd === LC_SEGMENT_64 ? file.toString('latin1', offset + 8, offset + 24).replace(/\0+$/, '') : undefined;
    commands.push({ cmd, offset, size, ...(segment === undefined ? {} : { segment }) });
    offset += size;
  }
  return commands;
}

/** True when the image carries an LC_CODE_SIGNATURE. */
export function hasCodeSignature(file: Buffer): boolean {
  return loadCommands(file).some((c) => c.cmd === LC_CODE_SIGNATURE);
}

/** Removes the code signature in place: its load command, and its data at the end of __LINKEDIT. */
export function removeCodeSignature(path: string): void {
  const file = readFileSync(path);
  const commands = loadCommands(file);
  const signature = commands.find((c) => c.cmd === LC_CODE_SIGNATURE);
  const linkedit = commands.find((c) => c.segment === '__LINKEDIT');
  if (!signature) return;
  if (!linkedit) throw new Error(`${path}: signed Mach-O without __LINKEDIT`);
  const dataOffset = file.readUInt32LE(signature.offset + 8);
  const dataSize = file.readUInt32LE(signature.offset + 12);
  if (dataOffset + dataSize !== file.length) throw new Error(`${path}: the code signature is not at the end of the file`);
  const end = HEADER_SIZE + file.readUInt32LE(20);
  // Close the gap left by the signature command, and zero the freed tail of the command area.
  file.copy(file, signature.offset, signature.offset + signature.size, end);
  file.fill(0, end - signature.size, end);
  file.writeUInt32LE(file.readUInt32LE(16) - 1, 16);
  file.writeUInt32LE(file.readUInt32LE(20) - signature.size, 20);
  const linkeditOffset = linkedit.offset > signature.offset ? linkedit.offset - signature.size : linkedit.offset;
  const segmentFileOffset = file.readBigUInt64LE(linkeditOffset + 40);
  file.writeBigUInt64LE(BigInt(dataOffset) - segmentFileOffset, linkeditOffset + 48);
  writeFileSync(path, file);
  truncateSync(path, dataOffset);
}
