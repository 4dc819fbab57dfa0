import type { CommandDefinition } from '@ktctl/plugin-api';
import { commands as birdseyeCommands } from '@ktctl/plugin-birdseye';
import { commands as configCommands } from '@ktctl/plugin-config';
import { commands as cleanCommands } from '@ktctl/plugin-clean';
import { completionCommands, programName } from '@ktctl/plugin-completion';
import { commands as connectCommands } from '@ktctl/plugin-connect';
import { commands as exchangeCommands } from '@ktctl/plugin-exchange';
import { commands as forwardCommands } from '@ktctl/plugin-forward';
import { commands as meshCommands } from '@ktctl/plugin-mesh';
import { commands as previewCommands } from '@ktctl/plugin-preview';
import { commands as recoverCommands } from '@ktctl/plugin-recover';
import { commands as statusCommands } from '@ktctl/plugin-status';

/**
 * The built-in commands: the one static composition point of ktctl. A new built-in plugin package is
 * added here, never discovered from the filesystem, which keeps the single binary simple.
 */
export const builtinCommands: readonly CommandDefinition<any>[] = [
  ...connectCommands,
  ...exchangeCommands,
  ...meshCommands,
  ...forwardCommands,
  ...previewCommands,
  ...recoverCommands,
  ...birdseyeCommands,
  ...statusCommands,
  ...cleanCommands,
  ...configCommands,
  ...completionCommands(() => programName().program),
];
