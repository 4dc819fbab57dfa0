import ssh2 from 'ssh2';

/** An Ed25519 key pair in OpenSSH format. */
export interface Ed25519KeyPair {
  readonly privateKey: string;
  readonly publicKey: string;
}

const ATTEMPTS = 8;

/**
 * A fresh Ed25519 key pair that ssh2 itself can read back. ssh2 1.17's generator writes an OpenSSH private
 * key its own parser rejects as "Malformed" about once in 200 keys (26 of 5 000 measured), which made an
 * agent fail to start now and then; each key is therefore parsed before it is handed out.
 */
export function generateEd25519KeyPair(): Ed25519KeyPair {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return { privateKey: pair.private, publicKey: pair.public };
  }
  throw new Error(`ssh2 produced ${ATTEMPTS} unreadable Ed25519 keys in a row`);
}
