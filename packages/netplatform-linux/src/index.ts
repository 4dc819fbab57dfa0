export { createLinuxPlatform, linuxUndoers, type LinuxPlatformOptions } from './platform.js';
export { originalDestination, parseSockaddrIn } from './original-dst.js';
export { detectRedirectBackend, type RedirectBackend } from './redirect.js';
