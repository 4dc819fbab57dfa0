import { forwardCommand } from './forward-command.js';

/** The commands this plugin contributes. */
export const commands = [forwardCommand];
