import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { ProblemException } from '../common/problem.js';
import type { Principal } from './principal.js';

export type IdentityRequest = Request & { principal?: Principal };

export const WWW_AUTHENTICATE = 'Bearer realm="percorsi"';

/**
 * A browser asking for an HTML page without a session goes to the sign-in page, and back to the
 * page afterwards: the 303's location; null for other clients (they get the 401).
 */
export function signInRedirect(request: Request): string | null {
  if (request.method !== 'GET' || request.accepts(['json', 'html']) !== 'html') return null;
  return `/auth/login?next=${encodeURIComponent(request.originalUrl)}`;
}

export const unauthenticated = () =>
  new ProblemException(
    'UNAUTHENTICATED',
    {
      it: 'Accedere (POST /auth/login) o presentare un token: Authorization: Bearer <token>.',
      en: 'Sign in (POST /auth/login) or present a token: Authorization: Bearer <token>.',
    },
    {},
    { 'WWW-Authenticate': WWW_AUTHENTICATE },
  );

/** The origin the request was addressed to, as a browser would write it in Origin. */
export const ownOrigin = (request: Request): string => `${request.protocol}://${request.get('host') ?? ''}`;

/** The origin of Origin, else of Referer; undefined when neither is sent; 'null' when unreadable. */
export function claimedOrigin(request: Request): string | undefined {
  const origin = request.headers.origin;
  if (origin !== undefined) return origin;
  const referer = request.headers.referer;
  if (referer === undefined) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return 'null';
  }
}

/**
 * Cross-site request forgery: a browser adds the session cookie to any request, even one a page of
 * another site makes. A write authenticated by the cookie must come from a page of this service:
 * its Origin (or, without it, its Referer) must be this service's origin, and a write with neither
 * is refused too (browsers send Origin with every POST, PATCH and DELETE; other clients use tokens).
 */
export function assertSameOrigin(request: Request): void {
  const claimed = claimedOrigin(request);
  const own = ownOrigin(request);
  if (claimed === own) return;
  throw new ProblemException('FORBIDDEN', {
    it: `Scrittura con il cookie di sessione da un'origine diversa dal servizio (${claimed ?? 'nessuna intestazione Origin o Referer'}, atteso ${own}): usare le pagine del servizio o un token.`,
    en: `A write with the session cookie from another origin than the service's (${claimed ?? 'no Origin or Referer header'}, expected ${own}): use the service's pages or a token.`,
  });
}

/** The authenticated principal (the PolicyGuard ran, on a route that is not open). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<IdentityRequest>().principal;
  if (!principal) throw new Error('PolicyGuard did not run');
  return principal;
});
