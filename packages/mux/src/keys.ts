/**
 * Ed25519 keys in the formats ktctl already has: `ssh-ed25519 AAAA...` authorized_keys lines (mounted in
 * the pod) and the laptop's unencrypted OpenSSH private key (`openssh-key-v1`), or PKCS8 PEM. node:crypto
 * does not read OpenSSH formats, but builds a KeyObject from the raw 32-byte keys through JWK.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';

const ED25519 = 'ssh-ed25519';
const OPENSSH_MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');

/** Reads SSH wire strings (u32 length, bytes) off a buffer; throws on a length past the end. */
class SshReader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}

  string(): Buffer {
    if (this.at + 4 > this.buf.length) throw new Error('truncated key');
    const length = this.buf.readUInt32BE(this.at);
    const start = this.at + 4;
    if (start + length > this.buf.length) throw new Error('truncated key');
    this.at = start + length;
    return this.buf.subarray(start, start + length);
  }

  u32(): number {
    if (this.at + 4 > this.buf.length) throw new Error('truncated key');
    this.at += 4;
    return this.buf.readUInt32BE(this.at - 4);
  }
}

/** A public key from the 32 raw bytes. */
export function ed25519PublicKey(raw: Buffer): KeyObject {
  if (raw.length !== 32) throw new Error(`an Ed25519 public key has 32 bytes, not ${raw.length}`);
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** The 32 raw bytes of an Ed25519 public (or private) KeyObject. */
export function rawPublicKey(key: KeyObject): Buffer {
  const jwk = (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || !jwk.x) throw new Error('not an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url');
}

/** The public key of one `ssh-ed25519 AAAA... comment` blob (base64 of the SSH wire form). */
function keyFromBlob(base64: string): KeyObject | undefined {
  try {
    const reader = new SshReader(Buffer.from(base64, 'base64'));
    if (reader.string().toString('latin1') !== ED25519) return undefined;
    return ed25519PublicKey(reader.string());
  } catch {
    return undefined;
  }
}

/**
 * The Ed25519 keys of authorized_keys text. Other key types and options before the type are skipped:
 * ktctl writes one ssh-ed25519 line per run, and mux authenticates with Ed25519 only.
 */
export function parseAuthorizedKeys(text: string): KeyObject[] {
  const keys: KeyObject[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[0]?.startsWith('#')) continue;
    const at = fields.indexOf(ED25519);
    const key = at >= 0 && fields[at + 1] ? keyFromBlob(fields[at + 1]!) : undefined;
    if (key) keys.push(key);
  }
  return keys;
}

/** Reads authorized keys at each call (a rotated ConfigMap applies without a restart); unreadable = none. */
export async function loadAuthorizedKeys(path: string): Promise<KeyObject[]> {
  return parseAuthorizedKeys(await readFile(path, 'utf8').catch(() => ''));
}

/** The private key of an unencrypted OpenSSH (`openssh-key-v1`) or PKCS8 PEM Ed25519 key. */
export function parsePrivateKey(text: string | Buffer): KeyObject {
  const pem = text.toString();
  const key = pem.includes('BEGIN OPENSSH PRIVATE KEY') ? parseOpenSshPrivateKey(pem) : createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`mux authenticates with Ed25519 keys, not ${key.asymmetricKeyType}`);
  return key;
}

/** PROTOCOL.key of OpenSSH: magic, cipher, kdf, kdf options, key count, public keys, private section. */
function parseOpenSshPrivateKey(pem: string): KeyObject {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const blob = Buffer.from(body, 'base64');
  if (!blob.subarray(0, OPENSSH_MAGIC.length).equals(OPENSSH_MAGIC)) throw new Error('not an openssh-key-v1 private key');
  const reader = new SshReader(blob.subarray(OPENSSH_MAGIC.length));
  const cipher = reader.string().toString('latin1');
  if (cipher !== 'none') throw new Error(`the private key is encrypted (${cipher}); mux needs an unencrypted key`);
  reader.string(); // kdf name
  reader.string(); // kdf options
  if (reader.u32() !== 1) throw new Error('an OpenSSH private key file with more than one key');
  reader.string(); // the public key, repeated in the private section
  const secret = new SshReader(reader.string());
  if (secret.u32() !== secret.u32()) throw new Error('the private key is corrupt (check bytes differ)');
  const type = secret.string().toString('latin1');
  if (type !== ED25519) throw new Error(`mux authenticates with Ed25519 keys, not ${type}`);
  const pub = secret.string();
  const seedAndPub = secret.string();
  if (pub.length !== 32 || seedAndPub.length !== 64) throw new Error('the Ed25519 private key has a wrong length');
  const jwk = { kty: 'OKP', crv: 'Ed25519', d: seedAndPub.subarray(0, 32).toString('base64url'), x: pub.toString('base64url') };
  return createPrivateKey({ key: jwk, format: 'jwk' });
}
