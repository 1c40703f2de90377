import { AccessTokenError, type AccessTokenVerifier, isJwtShaped } from '../auth/oidc/access-token-verifier.js';
import { ProblemException } from '../common/problem.js';
import type { BearerVerifier } from './principal.js';
import { sha256 } from './secrets.js';

/** The provider could not be asked (discovery or keys): the caller may retry, the token may be good. */
export const oidcProviderUnavailable = () =>
  new ProblemException(
    'OIDC_PROVIDER_UNAVAILABLE',
    {
      it: 'Il fornitore di identità (OpenID Connect) non risponde: riprovare tra poco.',
      en: 'The identity provider (OpenID Connect) does not answer: try again shortly.',
    },
    {},
    { 'Retry-After': '5' },
  );

/**
 * The role names a claim lists: an array of strings, or one space-separated string (as `scope`). A
 * dotted name that is not a claim itself reaches into objects (Keycloak's `realm_access.roles`).
 * Anything else lists no role: a configured claim that is missing narrows to nothing.
 */
export function claimedRoles(claims: Record<string, unknown>, claim: string): string[] {
  let value: unknown = claims[claim];
  if (value === undefined && claim.includes('.')) {
    value = claim
      .split('.')
      .reduce<unknown>((at, key) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined), claims);
  }
  if (typeof value === 'string') return value.split(/\s+/).filter((r) => r !== '');
  if (Array.isArray(value)) return value.filter((r): r is string => typeof r === 'string');
  return [];
}

/**
 * OpenID provider access tokens as API credentials (`Authorization: Bearer <JWT>`): the token must
 * verify (AccessTokenVerifier: signature, issuer, audience, expiry) and name an operator with the
 * operator claim; the Authenticator then takes the operator from Percorsi's registry by username.
 */
export class OidcBearerVerifier implements BearerVerifier {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    /** PERCORSI_OIDC_ROLES_CLAIM; null: the registry's roles as they are. */
    private readonly rolesClaim: string | null,
  ) {}

  accepts(token: string): boolean {
    return isJwtShaped(token);
  }

  async verify(token: string) {
    let verified: Awaited<ReturnType<AccessTokenVerifier['verify']>>;
    try {
      verified = await this.verifier.verify(token);
    } catch (error) {
      if (!(error instanceof AccessTokenError)) throw error;
      // The provider's failure is a 503 (retry), not a 401 (sign in again): the token may be fine.
      if (error.code === 'provider_unavailable') throw oidcProviderUnavailable();
      return null;
    }
    // A client credentials token names no operator: a service account signs in with an API token.
    if (!verified.operator) return null;
    return {
      username: verified.operator,
      // The token itself is never stored: its digest tells one token from another in the logs.
      credentialId: sha256(token),
      ...(this.rolesClaim ? { roles: claimedRoles(verified.claims, this.rolesClaim) } : {}),
    };
  }
}
