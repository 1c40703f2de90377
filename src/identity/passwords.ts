import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';

/**
 * Password hashing with argon2id at the `argon2` package's defaults (m=64 MiB, t=3, p=4: above
 * OWASP's minimums), stored as the PHC string so that the parameters can be raised later.
 */
export class Passwords {
  private dummy: Promise<string> | null = null;

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id });
  }

  /** Makes the dummy hash (at start-up, so that the first unknown username costs no extra hash). */
  prepare(): Promise<string> {
    this.dummy ??= this.hash(randomBytes(16).toString('hex'));
    return this.dummy;
  }

  /**
   * Verifies against the stored hash, or against a dummy hash when there is none (unknown user, no
   * password), so that an unknown username costs the same time as a wrong password.
   */
  async verify(hash: string | null, password: string): Promise<boolean> {
    const against = hash ?? (await this.prepare());
    // A malformed stored hash verifies nothing.
    const ok = await argon2.verify(against, password).catch(() => false);
    return ok && hash !== null;
  }
}

/** A password for the first admin when PERCORSI_ADMIN_PASSWORD is unset: 24 characters, 144 bits. */
export const generatePassword = (): string => randomBytes(18).toString('base64url');
