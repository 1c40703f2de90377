import { describe, expect, it } from '@jest/globals';
import argon2 from 'argon2';
import { DUMMY_HASH, Passwords } from '../../src/identity/passwords.js';

describe('passwords', () => {
  const passwords = new Passwords();

  it('the dummy hash has the parameters of a new hash, so an unknown username costs what a wrong password does', async () => {
    const fresh = await passwords.hash('a password');
    const params = (hash: string) => hash.split('$').slice(1, 4).join('$');
    expect(params(DUMMY_HASH)).toBe(params(fresh));
    expect(argon2.needsRehash(DUMMY_HASH)).toBe(false);
  });

  it('verifies the right password only, and nothing against no hash or a malformed one', async () => {
    const hash = await passwords.hash('correct horse battery');
    expect(await passwords.verify(hash, 'correct horse battery')).toBe(true);
    expect(await passwords.verify(hash, 'wrong')).toBe(false);
    expect(await passwords.verify(null, 'correct horse battery')).toBe(false);
    expect(await passwords.verify('not a hash', 'x')).toBe(false);
  });
});
