export { buildImageLayout, writeImageLayout, refAnnotations } from './image.js';
export type { Architecture, ImageConfig, ImageSpec, PlatformImage } from './image.js';
export { layerEntries, imagePath } from './layer.js';
export type { LayerItem } from './layer.js';
export { writeTar } from './tar.js';
export type { TarEntry } from './tar.js';
