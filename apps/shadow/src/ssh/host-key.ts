import { readFile } from 'node:fs/promises';
import { generateSshKeyPair } from '@ktctl/tunnel/keys';

/**
 * The SSH host key: the file at `path` if given, else a fresh Ed25519 key. A fresh key per pod is enough
 * because ktctl reaches the agent only through an authenticated Kubernetes port-forward to this very pod.
 */
export async function loadHostKey(path: string | undefined): Promise<string | Buffer> {
  if (path) return readFile(path);
  return generateSshKeyPair().privateKey;
}
