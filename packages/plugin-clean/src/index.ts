import { cleanCommand } from './clean-command.js';

/** The commands this plugin contributes. */
export const commands = [cleanCommand];
