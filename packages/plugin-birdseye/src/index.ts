import { birdseyeCommand } from './birdseye-command.js';

/** The commands this plugin contributes. */
export const commands = [birdseyeCommand];
