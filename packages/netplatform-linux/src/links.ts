import { type CommandRunner, type Journal, type JournalEntry, mustRun, type Undoers } from '@ktctl/netplatform';

/** A network interface ktctl created (a dummy link for DNS, later the TUN device `kt0`). */
export interface LinkAddedEntry extends JournalEntry {
  readonly kind: 'link-added';
  readonly name: string;
}

/** Creates a dummy interface, journaled, and brings it up. */
export async function createDummyLink(runner: CommandRunner, journal: Journal, name: string): Promise<void> {
  if ((await runner('ip', ['link', 'show', name])).code === 0) {
    // Not ours: undoing a failed add must not delete someone else's interface.
    throw new Error(`an interface named ${name} already exists`);
  }
  const entry: LinkAddedEntry = { kind: 'link-added', name };
  await journal.change(entry, async () => {
    await mustRun(runner, 'ip', ['link', 'add', name, 'type', 'dummy']);
    await mustRun(runner, 'ip', ['link', 'set', name, 'up']);
  });
}

export function linkUndoers(runner: CommandRunner): Undoers {
  return {
    'link-added': async (entry) => {
      const { name } = entry as LinkAddedEntry;
      const result = await runner('ip', ['link', 'del', name]);
      if (result.code !== 0 && !/Cannot find device|does not exist/i.test(result.stderr)) {
        throw new Error(`ip link del ${name} failed: ${result.stderr.trim()}`);
      }
    },
  };
}
