import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAuthorizedKeys, parsePrivateKey, rawPublicKey } from './keys.js';
import { opensshKeyPair } from './test-helper.js';

const hasSshKeygen = ['/usr/bin/ssh-keygen', '/bin/ssh-keygen'].some((p) => existsSync(p));

/** The private key must sign what the authorized line verifies: the pair really matches. */
function expectPair(privateText: string, publicLine: string): void {
  const privateKey = parsePrivateKey(privateText);
  const [publicKey] = parseAuthorizedKeys(publicLine);
  expect(publicKey).toBeDefined();
  expect(rawPublicKey(privateKey).equals(rawPublicKey(publicKey!))).toBe(true);
  const signature = sign(null, Buffer.from('x'), privateKey);
  expect(verify(null, Buffer.from('x'), publicKey!, signature)).toBe(true);
}

describe('keys', () => {
  it('reads the OpenSSH keys the laptop makes today (ssh2 generator)', () => {
    for (let i = 0; i < 5; i++) {
      const pair = opensshKeyPair();
      expectPair(pair.privateKey, pair.publicKey);
    }
  });

  it.skipIf(!hasSshKeygen)('reads keys made by OpenSSH ssh-keygen', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mux-keys-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'kt run', '-f', join(dir, 'id')]);
      expectPair(readFileSync(join(dir, 'id'), 'utf8'), readFileSync(join(dir, 'id.pub'), 'utf8'));
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', join(dir, 'enc')]);
      expect(() => parsePrivateKey(readFileSync(join(dir, 'enc'), 'utf8'))).toThrow(/encrypted/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads PKCS8 PEM and refuses other key types', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
    expect(rawPublicKey(parsePrivateKey(pem)).length).toBe(32);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    expect(() => parsePrivateKey(rsa)).toThrow(/Ed25519/);
  });

  it('takes ssh-ed25519 lines with options and comments; skips other types, comments and junk', () => {
    const a = opensshKeyPair().publicKey;
    const b = opensshKeyPair().publicKey;
    const text = [
      '# comment',
      `no-pty,from="10.0.0.1" ${a}`,
      'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== x',
      'ssh-ed25519 !!!notbase64',
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA',
      '',
      `  ${b}  `,
    ].join('\n');
    expect(parseAuthorizedKeys(text)).toHaveLength(2);
  });
});
