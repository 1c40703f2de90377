import { afterEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SecretBox, SecretBoxError, generateWebhookSecret } from '../../src/common/secret-box.js';

const key = () => randomBytes(32);
const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretBoxError);
    return (error as SecretBoxError).code;
  }
  throw new Error('expected a SecretBoxError');
}

/** Re-encodes one part of a stored value after `change` altered its bytes. */
function alter(stored: string, part: 1 | 2 | 3, change: (bytes: Buffer) => void): string {
  const parts = stored.split('.');
  const bytes = Buffer.from(parts[part], 'base64url');
  change(bytes);
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('SecretBox', () => {
  it('round-trips a value, including non-ASCII and empty strings', () => {
    const box = new SecretBox(key());
    for (const plain of [generateWebhookSecret(), 'già è così ✓', '']) {
      const stored = box.encrypt(plain);
      expect(stored).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/);
      expect(stored).not.toContain(plain === '' ? '\u0000' : plain);
      expect(box.decrypt(stored)).toBe(plain);
    }
  });

  it('encrypts one value differently every time (random IV)', () => {
    const box = new SecretBox(key());
    const secret = generateWebhookSecret();
    const a = box.encrypt(secret);
    const b = box.encrypt(secret);
    expect(a).not.toBe(b);
    expect(a.split('.')[1]).not.toBe(b.split('.')[1]);
    expect(box.decrypt(a)).toBe(secret);
    expect(box.decrypt(b)).toBe(secret);
  });

  it('refuses a tampered ciphertext, tag or IV with SECRET_UNREADABLE', () => {
    const box = new SecretBox(key());
    const stored = box.encrypt(generateWebhookSecret());
    const flip = (bytes: Buffer) => {
      bytes[0] ^= 0x01;
    };
    expect(codeOf(() => box.decrypt(alter(stored, 3, flip)))).toBe('SECRET_UNREADABLE');
    expect(codeOf(() => box.decrypt(alter(stored, 2, flip)))).toBe('SECRET_UNREADABLE');
    expect(codeOf(() => box.decrypt(alter(stored, 1, flip)))).toBe('SECRET_UNREADABLE');
    // The lowest bit of a part's last character: base64 decoders ignore it (it lies past the last byte),
    // so only the canonical-encoding check catches this change.
    for (const part of [2, 3]) {
      const parts = stored.split('.');
      const lastChar = BASE64URL_ALPHABET[BASE64URL_ALPHABET.indexOf(parts[part].at(-1)!) ^ 1];
      parts[part] = parts[part].slice(0, -1) + lastChar;
      expect(Buffer.from(parts[part], 'base64url')).toEqual(Buffer.from(stored.split('.')[part], 'base64url'));
      expect(codeOf(() => box.decrypt(parts.join('.')))).toBe('SECRET_UNREADABLE');
    }
  });

  it('refuses a truncated ciphertext and malformed values', () => {
    const box = new SecretBox(key());
    const stored = box.encrypt('whsec_abc');
    const parts = stored.split('.');
    parts[3] = parts[3].slice(0, -2);
    for (const bad of [parts.join('.'), '', 'whsec_abc', 'v2' + stored.slice(2), stored + '.x', stored.replace('.', '.!')]) {
      expect(codeOf(() => box.decrypt(bad))).toBe('SECRET_UNREADABLE');
    }
  });

  it('refuses a value encrypted with another key', () => {
    const stored = new SecretBox(key()).encrypt(generateWebhookSecret());
    expect(codeOf(() => new SecretBox(key()).decrypt(stored))).toBe('SECRET_UNREADABLE');
  });

  it('accepts only a 32-byte key', () => {
    for (const bad of [Buffer.alloc(0), randomBytes(16), randomBytes(31), randomBytes(33), randomBytes(64)]) {
      expect(() => new SecretBox(bad)).toThrow(SecretBoxError);
    }
  });

  it('keeps its own copy of the key', () => {
    const k = key();
    const box = new SecretBox(k);
    const stored = box.encrypt('x');
    k.fill(0);
    expect(box.decrypt(stored)).toBe('x');
  });
});

describe('generateWebhookSecret', () => {
  it("is 'whsec_' and 44 base64 characters: 32 random bytes", () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
  });

  it('is different every time', () => {
    const secrets = new Set(Array.from({ length: 200 }, generateWebhookSecret));
    expect(secrets.size).toBe(200);
  });
});

describe('SecretBox.fromConfig', () => {
  const dirs: string[] = [];
  const freshDir = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'percorsi-secret-box-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('uses the configured key, and writes no key file', async () => {
    const dataDir = await freshDir();
    const secretKey = key();
    const box = await SecretBox.fromConfig({ secretKey, dataDir, databaseUrl: 'postgres://db/x', production: true });
    const stored = box.encrypt('whsec_x');
    expect(new SecretBox(secretKey).decrypt(stored)).toBe('whsec_x');
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('generates <dataDir>/secret.key once (64 hex digits, mode 0600) and reuses it', async () => {
    const dataDir = path.join(await freshDir(), 'not-yet-created');
    const config = { secretKey: null, dataDir, databaseUrl: null, production: false };
    const first = await SecretBox.fromConfig(config);
    const file = path.join(dataDir, 'secret.key');
    const text = (await readFile(file, 'utf8')).trim();
    expect(text).toMatch(/^[0-9a-f]{64}$/);
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(dataDir)).toEqual(['secret.key']); // no temporary file left behind

    const stored = first.encrypt('whsec_first');
    expect(new SecretBox(Buffer.from(text, 'hex')).decrypt(stored)).toBe('whsec_first');
    const second = await SecretBox.fromConfig(config);
    expect(second.decrypt(stored)).toBe('whsec_first');
    expect((await readFile(file, 'utf8')).trim()).toBe(text);
  });

  it('agrees on one key when several callers create it at once', async () => {
    const dataDir = await freshDir();
    const config = { secretKey: null, dataDir, databaseUrl: null, production: false };
    const boxes = await Promise.all(Array.from({ length: 8 }, () => SecretBox.fromConfig(config)));
    const stored = boxes[0].encrypt('whsec_shared');
    for (const box of boxes) expect(box.decrypt(stored)).toBe('whsec_shared');
    const text = (await readFile(path.join(dataDir, 'secret.key'), 'utf8')).trim();
    expect(new SecretBox(Buffer.from(text, 'hex')).decrypt(stored)).toBe('whsec_shared');
    expect(await readdir(dataDir)).toEqual(['secret.key']);
  });

  it('generates a key file with DATABASE_URL outside production', async () => {
    const dataDir = await freshDir();
    await SecretBox.fromConfig({ secretKey: null, dataDir, databaseUrl: 'postgres://db/x', production: false });
    expect(await readdir(dataDir)).toEqual(['secret.key']);
  });

  it('refuses to generate a key in production with DATABASE_URL', async () => {
    const dataDir = await freshDir();
    const attempt = SecretBox.fromConfig({ secretKey: null, dataDir, databaseUrl: 'postgres://db/x', production: true });
    await expect(attempt).rejects.toThrow(/PERCORSI_SECRET_KEY is required in production/);
    await expect(attempt).rejects.toMatchObject({ code: 'KEY_REQUIRED' });
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('generates a key file in production with the embedded database', async () => {
    const dataDir = await freshDir();
    await SecretBox.fromConfig({ secretKey: null, dataDir, databaseUrl: null, production: true });
    expect(await readdir(dataDir)).toEqual(['secret.key']);
  });

  it('refuses a damaged key file instead of replacing it', async () => {
    const dataDir = await freshDir();
    const file = path.join(dataDir, 'secret.key');
    await writeFile(file, 'not a key\n', { mode: 0o600 });
    await expect(SecretBox.fromConfig({ secretKey: null, dataDir, databaseUrl: null, production: false })).rejects.toThrow(
      /64 hexadecimal digits/,
    );
    expect(await readFile(file, 'utf8')).toBe('not a key\n');
  });
});
