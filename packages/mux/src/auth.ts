/**
 * The signed challenge. The server's HELLO carries 32 random bytes; the client signs
 * `CONTEXT || challenge || nonce` (its own 32 random bytes, sent alongside) with the run's Ed25519 key.
 * A fresh challenge per session makes a recorded signature worthless; the context string keeps a
 * signature made for mux from being valid for anything else signed with the same key (an SSH login).
 */
import { randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { PayloadReader } from './payloads.js';
import { MAGIC, MUX_VERSION, MuxProtocolError } from './wire.js';
import { ed25519PublicKey, rawPublicKey } from './keys.js';

/** Bound into every signature; a new protocol version gets a new context. */
export const AUTH_CONTEXT = Buffer.from('ktctl-mux-v1 auth\0', 'latin1');
const RANDOM_BYTES = 32;

/** The server's HELLO payload with a fresh challenge. */
export function helloPayload(): { payload: Buffer; challenge: Buffer } {
  const challenge = randomBytes(RANDOM_BYTES);
  return { payload: Buffer.concat([MAGIC, Buffer.of(MUX_VERSION), challenge]), challenge };
}

/** The challenge in a HELLO; a protocol error for another protocol or version. */
export function readHello(payload: Buffer): Buffer {
  const r = new PayloadReader(payload, 'hello');
  readPreamble(r);
  return Buffer.from(r.bytes(RANDOM_BYTES));
}

function readPreamble(r: PayloadReader): void {
  if (!r.bytes(MAGIC.length).equals(MAGIC)) throw new MuxProtocolError('the peer does not speak ktctl mux');
  const version = r.u8();
  if (version !== MUX_VERSION) throw new MuxProtocolError(`the peer speaks mux version ${version}, this side ${MUX_VERSION}`);
}

function signedData(challenge: Buffer, nonce: Buffer): Buffer {
  return Buffer.concat([AUTH_CONTEXT, challenge, nonce]);
}

/** The client's AUTH payload: preamble, nonce, its public key, the signature. */
export function authPayload(challenge: Buffer, privateKey: KeyObject): Buffer {
  const nonce = randomBytes(RANDOM_BYTES);
  const signature = sign(null, signedData(challenge, nonce), privateKey);
  return Buffer.concat([MAGIC, Buffer.of(MUX_VERSION), nonce, rawPublicKey(privateKey), signature]);
}

/**
 * Whether AUTH proves possession of one of `authorized` for this `challenge`. The key named in the
 * frame must be authorized (compared as raw bytes) and the signature must verify with it.
 */
export function verifyAuth(payload: Buffer, challenge: Buffer, authorized: readonly KeyObject[]): boolean {
  const r = new PayloadReader(payload, 'auth');
  readPreamble(r);
  const nonce = r.bytes(RANDOM_BYTES);
  const raw = r.bytes(32);
  const signature = r.rest();
  if (signature.length !== 64) return false;
  if (!authorized.some((key) => rawPublicKey(key).equals(raw))) return false;
  return verify(null, signedData(challenge, nonce), ed25519PublicKey(Buffer.from(raw)), signature);
}
