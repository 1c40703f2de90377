import { parseCookie } from 'cookie';
import type { Request, Response } from 'express';
import type { PendingOidcLogin } from '../auth/oidc/oidc-login.js';
import { SecretBoxError, type SecretBox } from '../common/secret-box.js';
import type { OidcSignInFailure } from '../common/problem.js';

export const OIDC_FLOW_COOKIE = 'percorsi_oidc';
export const OIDC_FLOW_PATH = '/auth/oidc';
/** A sign-in must come back from the provider within this time. */
export const OIDC_FLOW_TTL_MS = 10 * 60_000;

/** What GET /auth/oidc/login keeps for the callback: the provider's checks and where to go after. */
export interface OidcFlow extends PendingOidcLogin {
  next: string;
}

interface Sealed {
  state: string;
  nonce: string;
  codeVerifier: string;
  next: string;
  /** Epoch milliseconds after which the flow is refused, whatever the browser kept. */
  expiresAt: number;
}

/**
 * The flow between GET /auth/oidc/login and the callback lives in the browser, sealed (AES-256-GCM,
 * a key derived from the service's secret key): the browser can neither read the code verifier nor
 * change the state or `next`, and any replica holding the secret key opens it, with no table. The
 * cookie is HttpOnly, SameSite=Lax (the provider's redirect back is a top-level GET, which carries
 * it), scoped to /auth/oidc, and lives 10 minutes; the sealed expiry holds even if a browser keeps it
 * longer.
 */
export class OidcFlowCookie {
  constructor(private readonly box: SecretBox) {}

  set(response: Response, request: Request, flow: OidcFlow, now: Date): void {
    const sealed: Sealed = { ...flow, expiresAt: now.getTime() + OIDC_FLOW_TTL_MS };
    response.cookie(OIDC_FLOW_COOKIE, this.box.encrypt(JSON.stringify(sealed)), {
      httpOnly: true,
      sameSite: 'lax',
      path: OIDC_FLOW_PATH,
      secure: request.secure,
      maxAge: OIDC_FLOW_TTL_MS,
    });
  }

  clear(response: Response, request: Request): void {
    response.clearCookie(OIDC_FLOW_COOKIE, { httpOnly: true, sameSite: 'lax', path: OIDC_FLOW_PATH, secure: request.secure });
  }

  /** The flow this browser started, or why there is none. */
  read(request: Request, now: Date): { flow: OidcFlow } | { failure: OidcSignInFailure } {
    const header = request.headers.cookie;
    const value = header ? parseCookie(header)[OIDC_FLOW_COOKIE] : undefined;
    if (!value) return { failure: 'flow_missing' };
    let sealed: Partial<Sealed>;
    try {
      sealed = JSON.parse(this.box.decrypt(value)) as Partial<Sealed>;
    } catch (error) {
      if (error instanceof SecretBoxError || error instanceof SyntaxError) return { failure: 'flow_invalid' };
      throw error;
    }
    const { state, nonce, codeVerifier, next, expiresAt } = sealed;
    if (![state, nonce, codeVerifier, next].every((v) => typeof v === 'string') || typeof expiresAt !== 'number')
      return { failure: 'flow_invalid' };
    if (expiresAt <= now.getTime()) return { failure: 'flow_expired' };
    return { flow: { state: state!, nonce: nonce!, codeVerifier: codeVerifier!, next: next! } };
  }
}
