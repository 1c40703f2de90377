/*
 * Verifies the OpenID provider's JWT access tokens (`Authorization: Bearer <jwt>`) with jose: the
 * provider's keys come from the jwks_uri of its discovery document (fetched once, retried while it
 * fails; jose refetches the key set when a token names an unknown key, which is how key rotation
 * reaches us). Every refusal is an AccessTokenError with a stable code, so the caller answers 401 for
 * a bad token and 503 when the provider cannot be reached.
 */
import * as jose from 'jose';

export type AccessTokenErrorCode =
  /** Not a JWS compact JWT with a JSON object as payload. */
  | 'malformed'
  /** `alg: none`: no signature at all. */
  | 'unsigned'
  /** Signed with an algorithm outside the allowlist (e.g. HS256 with the public key as secret). */
  | 'algorithm_not_allowed'
  /** The signature does not match (tampered header or payload, or a key the provider does not publish). */
  | 'bad_signature'
  | 'expired'
  /** `nbf` or `iat` in the future beyond the clock tolerance. */
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  /** `exp` or `sub` is missing, or a claim has the wrong type. */
  | 'invalid_claims'
  /** The provider's discovery document or key set could not be fetched or read. */
  | 'provider_unavailable';

export class AccessTokenError extends Error {
  constructor(
    readonly code: AccessTokenErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AccessTokenError';
  }
}

/** Asymmetric algorithms only: a symmetric one would let anyone holding the public key sign. */
export const DEFAULT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

export interface AccessTokenVerifierOptions {
  issuer: string;
  audience: string;
  /** The claim naming the operator (PERCORSI_OIDC_OPERATOR_CLAIM). */
  operatorClaim?: string;
  algorithms?: string[];
  /** Accepted clock skew between the provider and this service, in seconds. */
  clockToleranceSeconds?: number;
  /** The clock tokens are checked against; tests move it. */
  now?: () => Date;
  /** Bound on one fetch of the discovery document or key set. */
  timeoutMs?: number;
}

export interface VerifiedAccessToken {
  subject: string;
  /** The operator claim's value when it is a non-empty string (a client credentials token has none). */
  operator: string | null;
  claims: jose.JWTPayload;
}

/** Whether a bearer credential is shaped like a JWS compact JWT (three base64url parts), as opposed to an API token. */
export function isJwtShaped(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/** The token of an `Authorization: Bearer <token>` header, or null for any other header. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header ?? '');
  return match ? match[1] : null;
}

export class AccessTokenVerifier {
  private readonly algorithms: string[];
  private readonly clockTolerance: number;
  private readonly now: () => Date;
  private readonly timeoutMs: number;
  private keySet: Promise<ReturnType<typeof jose.createRemoteJWKSet>> | undefined;

  constructor(private readonly options: AccessTokenVerifierOptions) {
    this.algorithms = options.algorithms ?? DEFAULT_ALGORITHMS;
    this.clockTolerance = options.clockToleranceSeconds ?? 30;
    this.now = options.now ?? (() => new Date());
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  /** Verifies a JWT access token; throws AccessTokenError. */
  async verify(token: string): Promise<VerifiedAccessToken> {
    let header: jose.ProtectedHeaderParameters;
    try {
      header = jose.decodeProtectedHeader(token);
      jose.decodeJwt(token);
    } catch (error) {
      throw new AccessTokenError('malformed', 'the access token is not a JWT', { cause: error });
    }
    if (header.alg === undefined || header.alg.toLowerCase() === 'none')
      throw new AccessTokenError('unsigned', 'the access token is not signed (alg: none)');
    if (!this.algorithms.includes(header.alg))
      throw new AccessTokenError('algorithm_not_allowed', `the access token is signed with ${header.alg}, which is not allowed`);

    const keys = await this.keys();
    let payload: jose.JWTPayload;
    try {
      ({ payload } = await jose.jwtVerify(token, keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: this.algorithms,
        clockTolerance: this.clockTolerance,
        currentDate: this.now(),
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw translate(error);
    }
    const operatorClaim = this.options.operatorClaim ?? 'preferred_username';
    const operator = payload[operatorClaim];
    return { subject: payload.sub!, operator: typeof operator === 'string' && operator !== '' ? operator : null, claims: payload };
  }

  /** The remote key set, after discovery; a failed discovery is retried at the next call. */
  private keys(): Promise<ReturnType<typeof jose.createRemoteJWKSet>> {
    this.keySet ??= this.discover().catch((error: unknown) => {
      this.keySet = undefined;
      throw error;
    });
    return this.keySet;
  }

  private async discover(): Promise<ReturnType<typeof jose.createRemoteJWKSet>> {
    const issuer = this.options.issuer;
    const where = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let metadata: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const response = await fetch(where, { signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' });
      if (!response.ok) throw new Error(`${where} answered ${response.status}`);
      metadata = (await response.json()) as typeof metadata;
    } catch (error) {
      throw new AccessTokenError('provider_unavailable', `the OpenID provider's discovery document could not be read: ${String(error)}`, {
        cause: error,
      });
    }
    if (metadata.issuer !== issuer)
      throw new AccessTokenError('provider_unavailable', `the discovery document names issuer ${String(metadata.issuer)}, not ${issuer}`);
    if (typeof metadata.jwks_uri !== 'string') throw new AccessTokenError('provider_unavailable', 'the discovery document has no jwks_uri');
    const remote = jose.createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: this.timeoutMs });
    // A key set that cannot be fetched is the provider's failure, not the token's.
    const guarded = (async (protectedHeader, token) => {
      try {
        return await remote(protectedHeader, token);
      } catch (error) {
        if (error instanceof jose.errors.JWKSNoMatchingKey || error instanceof jose.errors.JWKSMultipleMatchingKeys) throw error;
        throw new AccessTokenError('provider_unavailable', `the OpenID provider's key set could not be read: ${String(error)}`, {
          cause: error,
        });
      }
    }) as ReturnType<typeof jose.createRemoteJWKSet>;
    return guarded;
  }
}

function translate(error: unknown): AccessTokenError {
  if (error instanceof AccessTokenError) return error;
  const { errors } = jose;
  if (error instanceof errors.JWTExpired) return new AccessTokenError('expired', 'the access token has expired', { cause: error });
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss':
        return new AccessTokenError('wrong_issuer', 'the access token was issued by another issuer', { cause: error });
      case 'aud':
        return new AccessTokenError('wrong_audience', 'the access token is meant for another audience', { cause: error });
      case 'nbf':
      case 'iat':
        return error.reason === 'check_failed'
          ? new AccessTokenError('not_yet_valid', 'the access token is not valid yet', { cause: error })
          : new AccessTokenError('invalid_claims', `the access token's ${error.claim} claim is invalid`, { cause: error });
      default:
        return new AccessTokenError('invalid_claims', `the access token's ${error.claim} claim is ${error.reason}`, { cause: error });
    }
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys
  )
    return new AccessTokenError('bad_signature', 'the access token signature does not verify', { cause: error });
  if (error instanceof errors.JOSEAlgNotAllowed)
    return new AccessTokenError('algorithm_not_allowed', 'the access token algorithm is not allowed', { cause: error });
  if (error instanceof errors.JOSEError)
    return new AccessTokenError('malformed', `the access token is invalid: ${error.message}`, { cause: error });
  throw error;
}
