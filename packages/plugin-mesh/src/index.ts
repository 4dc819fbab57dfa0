import { meshCommand } from './mesh-command.js';

/** The commands this plugin contributes. */
export const commands = [meshCommand];
