import { recoverCommand } from './recover-command.js';

/** The commands this plugin contributes. */
export const commands = [recoverCommand];
