import type { AgencyKind, Role } from './identity.repository.js';

/** Who makes a request, once authenticated: the operator, their agency, their offices and roles. */
export interface Principal {
  operator: { id: string; username: string; name: string; kind: 'person' | 'service' };
  /** The agency of the operator's offices; null for an operator in no office (the first admin). */
  agency: { id: string; name: string; kind: AgencyKind } | null;
  /** The offices the request may act for (an API token's may be fewer than its operator's). */
  officeIds: string[];
  /** officeIds and the offices they supervise: whose cases the request may reach. */
  reachableOfficeIds: string[];
  /** The roles the request holds (an API token's may be fewer than its operator's). */
  roles: Role[];
  via: 'session' | 'token' | 'oidc';
  /** The session's id (sha256 of the cookie) or the API token's id. */
  credentialId: string;
}

/**
 * Verifies a Bearer token that is not one of Percorsi's API tokens (an OpenID provider's access
 * token): the Authenticator asks each verifier in turn and builds the Principal from Percorsi's own
 * registry for the operator it names. Provide one under BEARER_VERIFIERS (a multi-provider token).
 */
export interface BearerVerifier {
  /** Whether this verifier reads such a token (a JWT: three dot-separated parts); cheap, no I/O. */
  accepts(token: string): boolean;
  /**
   * The operator the token stands for, by id or username; null when the token does not verify.
   * `roles`, when given, narrows the operator's registry roles to those listed (never widens them).
   */
  verify(token: string): Promise<{ operatorId?: string; username?: string; credentialId: string; roles?: readonly string[] } | null>;
}

export const BEARER_VERIFIERS = Symbol('BEARER_VERIFIERS');
