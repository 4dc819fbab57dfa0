import { previewCommand } from './preview-command.js';

/** The commands this plugin contributes. */
export const commands = [previewCommand];
