import { configCommand } from './config-command.js';

/** The commands this plugin contributes. */
export const commands = [configCommand];
