import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { AppConfig } from '../config/app-config.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';
const KEY_FILE = 'secret.key';
const KEY_FILE_PATTERN = /^[0-9a-f]{64}$/i;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export type SecretBoxErrorCode = 'SECRET_UNREADABLE' | 'KEY_INVALID' | 'KEY_REQUIRED';

/** A secret could not be decrypted (tampered with, or another key), or the key itself is unusable. */
export class SecretBoxError extends Error {
  constructor(
    readonly code: SecretBoxErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/** 'whsec_' + base64 of 32 random bytes (Standard Webhooks secret format). */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Decodes canonical base64url only: Buffer.from() silently skips bad characters and ignores trailing bits. */
function decodeBase64Url(part: string): Buffer | null {
  if (!BASE64URL.test(part)) return null;
  const bytes = Buffer.from(part, 'base64url');
  return bytes.toString('base64url') === part ? bytes : null;
}

/**
 * Encrypts webhook secrets at rest (and, with a derived key, the OpenID sign-in's flow cookie):
 * AES-256-GCM, random 12-byte IV per value, stored as 'v1.<iv b64url>.<tag b64url>.<ciphertext b64url>';
 * decrypt verifies the tag and throws SecretBoxError (code 'SECRET_UNREADABLE') on tampering or a wrong key.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
      throw new SecretBoxError('KEY_INVALID', `the secret key must be exactly ${KEY_BYTES} bytes`);
    }
    this.#key = Buffer.from(key);
  }

  /**
   * A box with a key of its own for another purpose (HKDF-SHA256 of this key, `purpose` as info): one
   * secret key to configure, and a value sealed for one use never opens for another.
   */
  derive(purpose: string): SecretBox {
    return new SecretBox(Buffer.from(hkdfSync('sha256', this.#key, Buffer.alloc(0), `percorsi:${purpose}`, KEY_BYTES)));
  }

  encrypt(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  decrypt(stored: string): string {
    const unreadable = (why: string) => new SecretBoxError('SECRET_UNREADABLE', `the stored secret cannot be decrypted: ${why}`);
    const parts = typeof stored === 'string' ? stored.split('.') : [];
    if (parts.length !== 4 || parts[0] !== VERSION) throw unreadable(`not in the ${VERSION}.<iv>.<tag>.<ciphertext> format`);
    const [iv, tag, ciphertext] = parts.slice(1).map(decodeBase64Url);
    if (!iv || iv.length !== IV_BYTES || !tag || tag.length !== TAG_BYTES || !ciphertext) throw unreadable('malformed');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw unreadable('altered, or encrypted with another key');
    }
  }

  /**
   * The key: config.secretKey if set; else read `<dataDir>/secret.key` (64 hex chars), creating it
   * (mode 0600, atomically) when missing. Refuses in production with DATABASE_URL and no key.
   */
  static async fromConfig(config: Pick<AppConfig, 'secretKey' | 'dataDir' | 'databaseUrl' | 'production'>): Promise<SecretBox> {
    if (config.secretKey) return new SecretBox(config.secretKey);
    if (config.production && config.databaseUrl) {
      throw new SecretBoxError(
        'KEY_REQUIRED',
        "PERCORSI_SECRET_KEY is required in production with DATABASE_URL: webhook secrets are encrypted with it, and a key generated into one replica's data folder would not be shared with the others",
      );
    }
    return new SecretBox(await loadOrCreateKeyFile(path.join(config.dataDir, KEY_FILE)));
  }
}

async function readKeyFile(file: string): Promise<Buffer> {
  const text = (await readFile(file, 'utf8')).trim();
  if (!KEY_FILE_PATTERN.test(text)) {
    throw new SecretBoxError(
      'KEY_INVALID',
      `${file} must hold the secret key as 64 hexadecimal digits; fix or restore it (deleting it makes every stored webhook secret unreadable)`,
    );
  }
  return Buffer.from(text, 'hex');
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/**
 * Reads the key file, or creates it: the key is written in full to a private temporary file, which is
 * then hard-linked to its final name. link() fails with EEXIST when another process got there first,
 * in which case its key is read; a reader never sees a partly written file, and a winner's key is never
 * overwritten (as rename() would).
 */
async function loadOrCreateKeyFile(file: string): Promise<Buffer> {
  try {
    return await readKeyFile(file);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
  try {
    await handle.writeFile(`${key.toString('hex')}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, file);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return await readKeyFile(file);
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  await syncDirectory(path.dirname(file));
  return key;
}

/** Makes the new directory entry durable (best effort: not every platform can fsync a directory). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // ignored
  }
}
