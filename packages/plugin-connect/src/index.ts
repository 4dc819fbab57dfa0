import { connectCommand } from './connect-command.js';

/** The commands this plugin contributes. */
export const commands = [connectCommand];
export { connectFlags } from './flags.js';
