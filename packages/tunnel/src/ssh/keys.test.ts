import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { generateSshKeyPair } from './keys.js';

describe('generateSshKeyPair', () => {
  it('makes a different authorized_keys line each time', () => {
    const a = generateSshKeyPair('me');
    const b = generateSshKeyPair('me');
    expect(a.publicKey).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/=]+ me$/);
    expect(a.publicKey).not.toBe(b.publicKey);
  });

  it("only hands out keys ssh2 can read back (ssh2's own generator fails about 1 in 200)", () => {
    for (let i = 0; i < 1000; i++) {
      const { privateKey, publicKey } = generateSshKeyPair();
      expect(ssh2.utils.parseKey(privateKey)).not.toBeInstanceOf(Error);
      expect(publicKey).toMatch(/^ssh-ed25519 /);
    }
  });
});
