import { exchangeCommand } from './exchange-command.js';

/** The commands this plugin contributes. */
export const commands = [exchangeCommand];
