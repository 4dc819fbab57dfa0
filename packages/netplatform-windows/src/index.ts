export { createWindowsPlatform, windowsHostsPath, windowsUndoers, type WindowsPlatformOptions } from './platform.js';
export { adapterGuid, guidString, locateWintun, WINTUN_ASSET, type WintunApi } from './wintun.js';
