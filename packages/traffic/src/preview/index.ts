/** `ktctl preview`'s service: a new Service whose ports lead to programs on this machine. */
export { startPreview, type Preview, type PreviewDeps, type PreviewOptions } from './preview.js';
export { previewService, serviceExistsError } from './preview-service.js';
