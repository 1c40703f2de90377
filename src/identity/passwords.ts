import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';

/**
 * Password hashing with argon2id at the `argon2` package's defaults (m=64 MiB, t=3, p=4: above
 * OWASP's minimums), stored as the PHC string so that the parameters can be raised later.
 */
export class Passwords {
  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id });
  }

  /**
   * Verifies against the stored hash, or against a dummy hash when there is none (unknown user, no
   * password), so that an unknown username costs the same time as a wrong password.
   */
  async verify(hash: string | null, password: string): Promise<boolean> {
    const against = hash ?? DUMMY_HASH;
    // A malformed stored hash verifies nothing.
    const ok = await argon2.verify(against, password).catch(() => false);
    return ok && hash !== null;
  }
}

/**
 * What an unknown username is verified against: the hash of a random password nobody kept, with the
 * parameters `hash` uses (a test checks that they still match, so both cost the same time). A
 * constant, so that no start-up spends a hash on it.
 */
export const DUMMY_HASH = '$argon2id$v=19$m=65536,p=4,t=3$BLDJJvxi3O5SHOSm0Pop5g$Ed4C+g9+ZaoDXeEYWKAYwopjO5vV3wCYr6DV6X0/4e8';

/** A password for the first admin when PERCORSI_ADMIN_PASSWORD is unset: 24 characters, 144 bits. */
export const generatePassword = (): string => randomBytes(18).toString('base64url');
