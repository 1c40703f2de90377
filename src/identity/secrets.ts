import { createHash, randomBytes } from 'node:crypto';

/** sha256, hex: how session tokens and API tokens are stored (they are random, so no salt or slow hash is needed). */
export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A browser session's token: 32 random bytes. */
export const newSessionToken = (): string => randomBytes(32).toString('base64url');

export const API_TOKEN_PREFIX = 'pct_';

/** An API token: `pct_` and 32 random bytes (the prefix lets secret scanners and the Authenticator recognise it). */
export const newApiToken = (): string => API_TOKEN_PREFIX + randomBytes(32).toString('base64url');

export const isApiToken = (token: string): boolean => /^pct_[\w-]{43}$/.test(token);
