import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import koffi, { type LibraryHandle } from 'koffi';
import { ErrorCode, UserError } from '@ktctl/plugin-api';

/** An opaque handle or pointer the DLL gave (null for NULL). */
export type Handle = unknown;

/**
 * The Wintun calls ktctl makes (wintun.h, and kernel32's WaitForSingleObject / GetLastError), behind one
 * interface so that tests on Linux record them. `copyFrom`/`copyTo` move packet bytes out of / into the
 * ring memory a pointer points at.
 */
export interface WintunApi {
  WintunCreateAdapter(name: string, tunnelType: string, guid: Buffer): Handle;
  WintunCloseAdapter(adapter: Handle): void;
  WintunStartSession(adapter: Handle, capacity: number): Handle;
  WintunEndSession(session: Handle): void;
  WintunGetReadWaitEvent(session: Handle): Handle;
  /** Returns the packet pointer and fills size[0]; null when the ring is empty. */
  WintunReceivePacket(session: Handle, size: number[]): Handle;
  WintunReleaseReceivePacket(session: Handle, packet: Handle): void;
  /** Null when the ring is full (the packet is dropped, as a busy NIC would). */
  WintunAllocateSendPacket(session: Handle, size: number): Handle;
  WintunSendPacket(session: Handle, packet: Handle): void;
  /** WaitForSingleObject in libuv's pool: 0 signalled, 0x102 timed out. */
  WaitForSingleObject(event: Handle, milliseconds: number): Promise<number>;
  GetLastError(): number;
  copyFrom(pointer: Handle, size: number): Buffer;
  copyTo(pointer: Handle, data: Buffer): void;
}

/** From wintun.h: the ring capacity must be a power of two between 128 KiB and 64 MiB. */
export const WINTUN_MIN_RING_CAPACITY = 0x20000;
export const WINTUN_MAX_RING_CAPACITY = 0x4000000;
export const RING_CAPACITY = 0x400000;
export const WAIT_TIMEOUT = 0x102;

/**
 * A fixed GUID per adapter name (a name-based UUID from SHA-256, version 5 bits): Windows then sees the same
 * adapter every run, instead of one more "Network N" profile each time.
 */
export function adapterGuid(name: string): Buffer {
  const guid = createHash('sha256').update(`ktctl wintun adapter ${name}`).digest().subarray(0, 16);
  // GUID memory layout: Data1..Data3 little-endian, so the version nibble is the top of byte 7.
  guid[7] = (guid[7]! & 0x0f) | 0x50;
  guid[8] = (guid[8]! & 0x3f) | 0x80;
  return Buffer.from(guid);
}

/** `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` of a GUID's 16 bytes. */
export function guidString(guid: Buffer): string {
  const h = (b: Buffer) => b.toString('hex').toUpperCase();
  const d1 = guid.readUInt32LE(0).toString(16).padStart(8, '0').toUpperCase();
  const d2 = guid.readUInt16LE(4).toString(16).padStart(4, '0').toUpperCase();
  const d3 = guid.readUInt16LE(6).toString(16).padStart(4, '0').toUpperCase();
  return `{${d1}-${d2}-${d3}-${h(guid.subarray(8, 10))}-${h(guid.subarray(10))}}`;
}

/** The SEA asset the Windows binary carries (apps/ktctl/scripts/native-assets.ts). */
export const WINTUN_ASSET = 'wintun.dll';

function embeddedWintun(): string | undefined {
  let bytes: ArrayBuffer;
  try {
    const sea = createRequire(import.meta.url)('node:sea') as { isSea(): boolean; getRawAsset(key: string): ArrayBuffer };
    if (!sea.isSea()) return undefined;
    bytes = sea.getRawAsset(WINTUN_ASSET);
  } catch {
    return undefined;
  }
  // A fresh private folder (never a shared, guessable path: ktctl runs elevated), as for koffi's addon.
  const dir = mkdtempSync(join(tmpdir(), 'ktctl-wintun-'));
  const file = join(dir, WINTUN_ASSET);
  writeFileSync(file, new Uint8Array(bytes), { mode: 0o700 });
  return file;
}

/**
 * Where wintun.dll is: the path given, else the copy embedded in the binary, else beside ktctl.exe.
 * Returns the folder to remove once the DLL is unloaded, when it was extracted.
 */
export function locateWintun(given: string | undefined, execPath = process.execPath): { path: string; extracted?: string } {
  if (given) return { path: given };
  const embedded = embeddedWintun();
  if (embedded) return { path: embedded, extracted: dirname(embedded) };
  const beside = join(dirname(execPath), WINTUN_ASSET);
  if (existsSync(beside)) return { path: beside };
  throw new UserError(ErrorCode.WintunMissing, `wintun.dll was not found beside ${execPath}`, {
    hint: `download Wintun from https://www.wintun.net and put bin\\${process.arch === 'arm64' ? 'arm64' : 'amd64'}\\wintun.dll in ${dirname(execPath)}, or add --disableTunDevice`,
  });
}

/** wintun.dll and kernel32 through koffi (Windows only). `unload()` frees the DLL and its extracted copy. */
export function loadWintun(path: string, extracted?: string): WintunApi & { unload(): void } {
  const dll = koffi.load(path);
  const kernel32 = koffi.load('kernel32.dll');
  const f = (lib: LibraryHandle, prototype: string) => lib.func(prototype);
  const create = f(dll, 'void * __stdcall WintunCreateAdapter(const char16_t *name, const char16_t *type, const uint8_t *guid)');
  const closeAdapter = f(dll, 'void __stdcall WintunCloseAdapter(void *adapter)');
  const start = f(dll, 'void * __stdcall WintunStartSession(void *adapter, uint32_t capacity)');
  const end = f(dll, 'void __stdcall WintunEndSession(void *session)');
  const readEvent = f(dll, 'void * __stdcall WintunGetReadWaitEvent(void *session)');
  const receive = f(dll, 'void * __stdcall WintunReceivePacket(void *session, _Out_ uint32_t *size)');
  const release = f(dll, 'void __stdcall WintunReleaseReceivePacket(void *session, void *packet)');
  const allocate = f(dll, 'void * __stdcall WintunAllocateSendPacket(void *session, uint32_t size)');
  const send = f(dll, 'void __stdcall WintunSendPacket(void *session, void *packet)');
  const wait = f(kernel32, 'uint32_t __stdcall WaitForSingleObject(void *handle, uint32_t milliseconds)');
  const lastError = f(kernel32, 'uint32_t __stdcall GetLastError()');
  return {
    WintunCreateAdapter: (name, type, guid) => create(name, type, guid),
    WintunCloseAdapter: (adapter) => closeAdapter(adapter),
    WintunStartSession: (adapter, capacity) => start(adapter, capacity),
    WintunEndSession: (session) => end(session),
    WintunGetReadWaitEvent: (session) => readEvent(session),
    WintunReceivePacket: (session, size) => receive(session, size),
    WintunReleaseReceivePacket: (session, packet) => release(session, packet),
    WintunAllocateSendPacket: (session, size) => allocate(session, size),
    WintunSendPacket: (session, packet) => send(session, packet),
    WaitForSingleObject: (event, ms) =>
      new Promise((resolve, reject) =>
        wait.async(event, ms, (error: unknown, result: number) => (error ? reject(error) : resolve(result))),
      ),
    GetLastError: () => lastError() as number,
    copyFrom: (pointer, size) => Buffer.from(koffi.view(pointer, size).slice(0)),
    copyTo: (pointer, data) => new Uint8Array(koffi.view(pointer, data.length)).set(data),
    unload() {
      dll.unload();
      if (extracted) rmSync(extracted, { recursive: true, force: true });
    },
  };
}
