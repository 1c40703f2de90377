import { parseCookie } from 'cookie';
import type { Request, Response } from 'express';

export const SESSION_COOKIE = 'percorsi_session';

/** The session token the browser sent, or null. */
export function sessionToken(request: Request): string | null {
  const header = request.headers.cookie;
  if (!header) return null;
  const value = parseCookie(header)[SESSION_COOKIE];
  return value && /^[\w-]{20,100}$/.test(value) ? value : null;
}

/** HttpOnly (no script reads it), SameSite=Lax, Path=/, Secure when the request came over https. */
export function setSessionCookie(response: Response, request: Request, token: string, maxAgeMs: number): void {
  response.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', path: '/', secure: request.secure, maxAge: maxAgeMs });
}

export function clearSessionCookie(response: Response, request: Request): void {
  response.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', path: '/', secure: request.secure });
}
