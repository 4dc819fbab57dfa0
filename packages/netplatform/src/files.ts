import { createHash } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Writes a file so that a crash leaves either the old or the new content, flushed to disk. */
export function writeFileDurable(path: string, content: string | Uint8Array, mode = 0o644): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.kt-${process.pid}.tmp`);
  writeAndSync(tmp, content, mode, 'w');
  try {
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  syncDir(dir);
}

/**
 * Replaces a system file's content. Follows a symlink to its target (the link stays as it is). Renames a
 * temp file over it when it can; a file that is a mount point (containers bind-mount /etc/hosts and
 * /etc/resolv.conf) cannot be renamed over, so it is rewritten in place, which keeps the same inode.
 */
export function replaceSystemFile(path: string, content: string | Uint8Array, mountInfo = '/proc/self/mountinfo'): void {
  const target = realpathSync(path);
  if (isMountPoint(target, mountInfo)) {
    // No temp file next to it either: in a test's private mount namespace that folder is the host's /etc.
    writeAndSync(target, content, 0o644, 'r+');
    return;
  }
  try {
    writeFileDurable(target, content);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EBUSY' && code !== 'EXDEV' && code !== 'EPERM') throw error;
    writeAndSync(target, content, 0o644, 'r+');
  }
}

/** Whether a path is itself a mount point (a bind-mounted file); false where there is no mountinfo. */
export function isMountPoint(path: string, mountInfo = '/proc/self/mountinfo'): boolean {
  let text: string;
  try {
    text = readFileSync(mountInfo, 'utf8');
  } catch {
    return false;
  }
  // Field 5 is the mount point, with space, tab, newline and backslash written as octal escapes.
  const escaped = path.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
  return text.split('\n').some((line) => line.split(' ')[4] === escaped);
}

function writeAndSync(path: string, content: string | Uint8Array, mode: number, flags: 'w' | 'r+'): void {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const fd = openSync(path, flags, mode);
  try {
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    if (flags === 'r+') {
      // In-place rewrite: cut whatever the old, longer content left behind.
      ftruncateSync(fd, bytes.length);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  }
}

/** The bytes of a file, or undefined when it does not exist. */
export function readFileOrUndefined(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function sha256(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}
