import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ARCHES, type Arch } from './node-base.js';

/** A shared library to copy into the image. */
export interface Library {
  /** Where it goes in the image. */
  path: string;
  /** The host file (symlinks resolved). */
  from: string;
}

/** The NEEDED entries of an ELF file, as readelf (binutils; it reads any architecture) reports them. */
export function elfNeeded(file: string): string[] {
  const dynamic = execFileSync('readelf', ['-d', file], { encoding: 'utf8' });
  return [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]!);
}

/** The NEEDED entries and the program interpreter of an executable. */
export function elfNeeds(file: string): { needed: string[]; interpreter: string } {
  const needed = elfNeeded(file);
  const program = execFileSync('readelf', ['-l', file], { encoding: 'utf8' });
  const interpreter = /Requesting program interpreter: ([^\]]+)\]/.exec(program)?.[1];
  if (!interpreter) throw new Error(`${file} names no program interpreter; is it a dynamically linked ELF?`);
  return { needed, interpreter };
}

/**
 * Where this host keeps `arch`'s glibc and libstdc++: Debian's cross packages (libc6-arm64-cross,
 * libstdc++6-arm64-cross; libc6-amd64-cross on an arm64 host) or the host's own multiarch directory.
 */
export function libraryDirs(arch: Arch): string[] {
  const triplet = ARCHES[arch].triplet;
  return [`/usr/${triplet}/lib`, `/lib/${triplet}`, `/usr/lib/${triplet}`].filter((d) => existsSync(d));
}

/**
 * The libraries Node needs, placed under `/lib/<triplet>/` where the Debian-built loader searches by
 * default, plus the loader itself at the interpreter path baked into the binary.
 */
export function nodeLibraries(arch: Arch, node: string): { libraries: Library[]; interpreter: string } {
  const { needed, interpreter } = elfNeeds(node);
  const dirs = libraryDirs(arch);
  const triplet = ARCHES[arch].triplet;
  const found = new Map<string, Library>();
  // Breadth-first over NEEDED, so a library's own dependencies come along too.
  for (const queue = [...needed, basename(interpreter)]; queue.length > 0;) {
    const name = queue.shift()!;
    if (found.has(name)) continue;
    const dir = dirs.find((d) => existsSync(join(d, name)));
    if (!dir)
      throw new Error(
        `${name} for ${arch} not found in ${dirs.join(', ') || `/usr/${triplet}/lib`}: install libc6-${arch}-cross and libstdc++6-${arch}-cross`,
      );
    const from = realpathSync(join(dir, name));
    found.set(name, { path: `/lib/${triplet}/${name}`, from });
    queue.push(...elfNeeded(from));
  }
  return { libraries: [...found.values()], interpreter };
}
