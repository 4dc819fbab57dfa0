import { statusCommand } from './status-command.js';

/** The commands this plugin contributes. */
export const commands = [statusCommand];
