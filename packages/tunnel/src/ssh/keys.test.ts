import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { generateEd25519KeyPair } from './keys.js';

describe('generateEd25519KeyPair', () => {
  it('only hands out keys ssh2 can read back (ssh2 alone fails about 1 in 200)', () => {
    for (let i = 0; i < 1000; i++) {
      const { privateKey, publicKey } = generateEd25519KeyPair();
      expect(ssh2.utils.parseKey(privateKey)).not.toBeInstanceOf(Error);
      expect(publicKey).toMatch(/^ssh-ed25519 /);
    }
  });
});
