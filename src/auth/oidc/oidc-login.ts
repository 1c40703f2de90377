/*
 * Sign-in through the OpenID provider with openid-client: the authorization code flow with PKCE (S256),
 * state and nonce. `start()` gives the URL to send the browser to and what the service must keep
 * until the callback, out of the browser's reach (the code verifier is the proof that the callback
 * belongs to this start: the service seals it, src/identity/oidc-flow-cookie.ts); `finish()` checks
 * the callback against it, redeems the code and returns the ID token's claims, the operator's
 * username among them.
 */
import * as client from 'openid-client';
import type { OidcConfig } from '../../config/oidc-config.js';
import { isLoopbackUrl } from '../../config/oidc-config.js';

export type OidcLoginErrorCode =
  /** The provider's discovery document could not be fetched (it may be starting: the next call retries). */
  | 'provider_unavailable'
  /** The callback's state is not the one kept (a forged or replayed callback, or another tab's). */
  | 'state_mismatch'
  /** The provider sent back an error (the user cancelled, consent refused, ...). */
  | 'login_refused'
  /** The code could not be redeemed, or the ID token did not check out (nonce, signature, issuer, audience). */
  | 'invalid_response'
  /** The ID token has no usable operator claim (PERCORSI_OIDC_OPERATOR_CLAIM). */
  | 'missing_operator_claim';

export class OidcLoginError extends Error {
  constructor(
    readonly code: OidcLoginErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OidcLoginError';
  }
}

/** What the service keeps (sealed in the flow cookie) between start() and finish(). */
export interface PendingOidcLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface StartedOidcLogin extends PendingOidcLogin {
  /** The provider's authorization URL, for a 302 from GET /auth/oidc/login. */
  url: URL;
}

export interface FinishedOidcLogin {
  subject: string;
  /** The operator claim's value: the username to match with a Percorsi operator. */
  operator: string;
  /** Every claim of the ID token. */
  claims: client.IDToken;
}

export type OidcLoginOptions = Pick<OidcConfig, 'issuer' | 'clientId' | 'clientSecret' | 'redirectUrl' | 'operatorClaim' | 'scopes'> & {
  /** Bound on each request to the provider. */
  timeoutSeconds?: number;
};

export class OidcLogin {
  private discovered: Promise<client.Configuration> | undefined;

  constructor(private readonly options: OidcLoginOptions) {}

  async start(): Promise<StartedOidcLogin> {
    const config = await this.configuration();
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.options.redirectUrl,
      scope: this.options.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, state, nonce, codeVerifier };
  }

  /** `callbackUrl`: the URL the browser came back on (GET /auth/oidc/callback?code=...&state=...). */
  async finish(callbackUrl: URL, kept: PendingOidcLogin): Promise<FinishedOidcLogin> {
    // Checked here first, so that a forged callback is refused without a request to the provider.
    if (callbackUrl.searchParams.get('state') !== kept.state)
      throw new OidcLoginError('state_mismatch', 'the callback does not carry the state this sign-in started with');
    const config = await this.configuration();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: kept.codeVerifier,
        expectedState: kept.state,
        expectedNonce: kept.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      if (error instanceof client.AuthorizationResponseError)
        throw new OidcLoginError('login_refused', `the OpenID provider refused the sign-in: ${error.error}`, { cause: error });
      if (error instanceof client.ResponseBodyError)
        throw new OidcLoginError('invalid_response', `the OpenID provider refused the code: ${error.error}`, { cause: error });
      throw new OidcLoginError('invalid_response', `the sign-in could not be completed: ${(error as Error).message}`, { cause: error });
    }
    const claims = tokens.claims();
    if (!claims) throw new OidcLoginError('invalid_response', 'the OpenID provider returned no ID token');
    const operator = claims[this.options.operatorClaim];
    if (typeof operator !== 'string' || operator === '')
      throw new OidcLoginError('missing_operator_claim', `the ID token has no ${this.options.operatorClaim} claim`);
    return { subject: claims.sub, operator, claims };
  }

  /** Discovery, once; a failure is not cached, so the next sign-in tries again (the provider may start after us). */
  private configuration(): Promise<client.Configuration> {
    this.discovered ??= this.discover().catch((error: unknown) => {
      this.discovered = undefined;
      throw error;
    });
    return this.discovered;
  }

  private async discover(): Promise<client.Configuration> {
    const issuer = new URL(this.options.issuer);
    try {
      return await client.discovery(
        issuer,
        this.options.clientId,
        undefined,
        client.ClientSecretBasic(this.options.clientSecret),
        // Plain http is for a provider on loopback only (the configuration refuses it elsewhere).
        {
          execute: isLoopbackUrl(issuer) && issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [],
          timeout: this.options.timeoutSeconds ?? 5,
        },
      );
    } catch (error) {
      throw new OidcLoginError('provider_unavailable', `the OpenID provider's discovery failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
