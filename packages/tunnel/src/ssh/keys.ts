import { generateKeyPairSync, randomBytes } from 'node:crypto';

/*
 * The one generator of ktctl's per-run keys (the laptop's key and the agent's host key). It writes the
 * OpenSSH container itself from node:crypto's raw Ed25519 key rather than using ssh2's generator, which
 * writes a private key its own parser rejects as "Malformed" about once in 200 keys.
 */

/** An SSH key pair made for one run: the public key in authorized_keys form, the private key in OpenSSH form. */
export interface SshKeyPair {
  /** `ssh-ed25519 AAAA... comment` */
  readonly publicKey: string;
  /** `-----BEGIN OPENSSH PRIVATE KEY-----...`, readable by ssh2 and by OpenSSH's `ssh -i`. */
  readonly privateKey: string;
}

const KEY_TYPE = 'ssh-ed25519';

/** A fresh ed25519 key pair; nothing is written anywhere. */
export function generateSshKeyPair(comment = 'ktctl'): SshKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // The JWK form exposes the raw 32-byte public key (x) and seed (d) that the SSH formats carry.
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
  const pubBlob = Buffer.concat([sshString(KEY_TYPE), sshString(pub)]);
  return {
    publicKey: `${KEY_TYPE} ${pubBlob.toString('base64')} ${comment}`,
    privateKey: openSshPrivateKey(pub, seed, pubBlob, comment),
  };
}

/** The unencrypted `openssh-key-v1` container (PROTOCOL.key in OpenSSH's sources). */
function openSshPrivateKey(pub: Buffer, seed: Buffer, pubBlob: Buffer, comment: string): string {
  const check = randomBytes(4);
  let inner = Buffer.concat([check, check, sshString(KEY_TYPE), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(comment)]);
  const pad = (8 - (inner.length % 8)) % 8;
  inner = Buffer.concat([inner, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    uint32(1),
    sshString(pubBlob),
    sshString(inner),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function sshString(value: string | Buffer): Buffer {
  const data = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([uint32(data.length), data]);
}
