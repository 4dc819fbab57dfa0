import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';

const KEY_TYPE = /^(ssh-(rsa|dss|ed25519)|ecdsa-sha2-nistp(256|384|521))$/;

/**
 * Public keys from authorized_keys text. Options before the key type (`from=...`, `no-pty`) are skipped,
 * not enforced: the agent's only user is the ktctl process that wrote the file.
 */
export function parseAuthorizedKeys(text: string): ParsedKey[] {
  const keys: ParsedKey[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const at = fields.findIndex((field) => KEY_TYPE.test(field));
    if (line.trim().startsWith('#') || at < 0 || !fields[at + 1]) continue;
    const parsed = ssh2.utils.parseKey(`${fields[at]} ${fields[at + 1]}`);
    if (!(parsed instanceof Error)) keys.push(parsed);
  }
  return keys;
}

/**
 * Reads the authorized keys at every login, so a key ktctl rotates in the ConfigMap is honoured without a
 * restart; an unreadable file means no key is accepted.
 */
export async function loadAuthorizedKeys(path: string): Promise<ParsedKey[]> {
  try {
    return parseAuthorizedKeys(await readFile(path, 'utf8'));
  } catch {
    return [];
  }
}

/** The authorized key whose public blob is `data`, if any. */
export function findKey(keys: readonly ParsedKey[], data: Buffer): ParsedKey | undefined {
  return keys.find((key) => key.getPublicSSH().equals(data));
}
