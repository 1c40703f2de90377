/**
 * A real OpenID provider for the tests: panva's `oidc-provider` (the certified Node implementation), on
 * 127.0.0.1 and a free port, with one confidential client and a resource server standing for the
 * Percorsi API.
 *
 * - The issuer is `http://127.0.0.1:<port>`: oidc-provider accepts http issuers (it only warns about
 *   development settings), its cookies are then not `Secure`, which is what a loopback test needs.
 * - The client (`client_secret_basic`) may use `authorization_code` with PKCE S256 (required for every
 *   client: `pkce.required`) and `client_credentials`.
 * - Resource indicators (RFC 8707): the API's indicator is `audience`; a token asked for it is a JWT
 *   access token (`accessTokenFormat: 'jwt'`) whose `aud` is the audience, signed RS256 with the
 *   provider's key. The authorization endpoint grants it by default (`defaultResource`), so a client
 *   that sends no `resource` (openid-client's plain `buildAuthorizationUrl`) gets it too.
 * - JWT access tokens carry the account's `preferred_username`, `name` and `email` (`extraTokenClaims`),
 *   as Keycloak's do, and its `roles` when the account has some; ID tokens carry the profile claims too (`conformIdTokenClaims: false`).
 * - No browser is needed: the provider's development interactions (`devInteractions`: a login form
 *   taking the account id, i.e. its `sub`, and any password, then a consent form) are plain HTML
 *   forms, which `completeInteractions`
 *   submits with fetch and a small cookie jar. That is the reliable way for API tests to get a user's
 *   access token (`userAccessToken`); `clientCredentialsToken` gives a token without a user (its `sub`
 *   is the client id).
 *
 * Keys: each provider makes its own RSA key unless `jwks` is given; pass another provider's `jwks` to
 * get a second issuer that signs with the same key (a token whose signature verifies but whose issuer
 * is wrong).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import * as client from 'openid-client';

export interface TestAccount {
  sub: string;
  preferred_username: string;
  name: string;
  email: string;
  /** Role names the access tokens carry in a `roles` claim (as a provider's role mapper would put them); none: no such claim. */
  roles?: string[];
}

export const TEST_ACCOUNTS: TestAccount[] = [
  { sub: 'a1b2c3', preferred_username: 'mrossi', name: 'Mario Rossi', email: 'mario.rossi@cpi.example' },
  { sub: 'd4e5f6', preferred_username: 'lbianchi', name: 'Lucia Bianchi', email: 'lucia.bianchi@cpi.example' },
];

export const TEST_CLIENT_ID = 'percorsi';
export const TEST_CLIENT_SECRET = 'percorsi-test-secret';
/** The Percorsi API's resource indicator and the `aud` of its access tokens. */
export const TEST_AUDIENCE = 'https://percorsi.example/api';

export interface StartOidcProviderOptions {
  accounts?: TestAccount[];
  /** Lifetimes in seconds (access tokens default to 300). */
  ttl?: { accessToken?: number; idToken?: number };
  /** Where the client may be sent back; default `http://127.0.0.1/callback` (never opened). */
  redirectUri?: string;
  audience?: string;
  /** Listen on this port (default: any free one), e.g. to start a provider after its client. */
  port?: number;
  /** Signing keys (private JWKs); default: a fresh RS256 key. */
  jwks?: { keys: JWK[] };
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  audience: string;
  accounts: TestAccount[];
  /** The private signing keys, to start a second provider that signs with the same key. */
  jwks: { keys: JWK[] };
  provider: Provider;
  /**
   * Follows an authorization URL of this provider through its login and consent forms as `username`
   * (any password) and returns the URL the provider redirects to (the client's callback with `code`
   * and `state`, or with `error`). With `cancel`, the user cancels at the login form instead (the
   * callback then carries `error=access_denied`).
   */
  completeInteractions(authorizationUrl: string | URL, username: string, options?: { cancel?: boolean }): Promise<URL>;
  /** An access token (JWT, `aud` = audience) for `username`, by the authorization code flow with PKCE. */
  userAccessToken(username: string): Promise<string>;
  /** An access token (JWT, `aud` = audience, `sub` = the client id) by the client credentials grant. */
  clientCredentialsToken(): Promise<string>;
  close(): Promise<void>;
}

async function freshJwks(): Promise<{ keys: JWK[] }> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { keys: [{ ...jwk, alg: 'RS256', use: 'sig', kid: `test-${Math.random().toString(36).slice(2, 10)}` }] };
}

export async function startOidcProvider(options: StartOidcProviderOptions = {}): Promise<TestOidcProvider> {
  const accounts = options.accounts ?? TEST_ACCOUNTS;
  const audience = options.audience ?? TEST_AUDIENCE;
  const redirectUri = options.redirectUri ?? 'http://127.0.0.1/callback';
  const jwks = options.jwks ?? (await freshJwks());
  const accessTokenTtl = options.ttl?.accessToken ?? 300;

  // The issuer needs the port, so the server listens first and gets its handler afterwards.
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const byUsername = (username: string) => accounts.find((account) => account.preferred_username === username || account.sub === username);
  const bySub = (sub: string) => accounts.find((account) => account.sub === sub);

  const configuration: Configuration = {
    clients: [
      {
        client_id: TEST_CLIENT_ID,
        client_secret: TEST_CLIENT_SECRET,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'client_credentials'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'openid profile email api',
      },
    ],
    jwks,
    cookies: { keys: ['percorsi-oidc-test-cookie-key'] },
    pkce: { required: () => true },
    conformIdTokenClaims: false,
    scopes: ['openid', 'profile', 'email', 'api'],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'] },
    ttl: {
      AccessToken: accessTokenTtl,
      ClientCredentials: accessTokenTtl,
      IdToken: options.ttl?.idToken ?? 300,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 600,
      Grant: 600,
    },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => {
          if (resourceIndicator !== audience) throw new errors.InvalidTarget();
          return { scope: 'api', audience, accessTokenFormat: 'jwt', accessTokenTTL: accessTokenTtl, jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
    findAccount: (_ctx: KoaContextWithOIDC, sub: string) => {
      // The development login form's "login" becomes the account id as typed: type the account's sub
      // there (completeInteractions looks it up from the username).
      const account = bySub(sub);
      if (!account) return undefined;
      return { accountId: account.sub, claims: () => ({ ...account }) };
    },
    extraTokenClaims: (_ctx, token) => {
      const accountId = 'accountId' in token ? token.accountId : undefined;
      const account = typeof accountId === 'string' ? bySub(accountId) : undefined;
      if (!account) return undefined;
      const { preferred_username, name, email, roles } = account;
      return { preferred_username, name, email, ...(roles ? { roles } : {}) };
    },
  };

  // Its warnings about development-only settings (in-memory storage, devInteractions) are what a test wants: not shown.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith('oidc-provider WARNING')) warn(...args);
  };
  let provider: Provider;
  try {
    provider = new Provider(issuer, configuration);
  } finally {
    console.warn = warn;
  }
  const handle = provider.callback();
  server.on('request', (request, response) => void handle(request, response));

  const completeInteractions = async (authorizationUrl: string | URL, username: string, { cancel = false } = {}): Promise<URL> => {
    // The login form's account id is the account's sub, found from the username here (Keycloak
    // would check a password; the development interactions take any).
    const accountId = byUsername(username)?.sub ?? username;
    const cookies = new Map<string, string>();
    const remember = (response: Response) => {
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const at = pair.indexOf('=');
        const name = pair.slice(0, at).trim();
        const value = pair.slice(at + 1).trim();
        if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) cookies.delete(name);
        else cookies.set(name, value);
      }
    };
    const cookieHeader = () => [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    let url = new URL(authorizationUrl);
    let body: URLSearchParams | undefined;
    for (let hop = 0; hop < 20; hop += 1) {
      if (url.origin !== issuer) return url; // left the provider: the client's callback
      const response = await fetch(url, {
        method: body ? 'POST' : 'GET',
        headers: { cookie: cookieHeader(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        body,
        redirect: 'manual',
      });
      remember(response);
      body = undefined;
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        url = new URL(location, url);
        continue;
      }
      const html = await response.text();
      if (response.status !== 200) throw new Error(`the provider answered ${response.status} at ${url.href}: ${html.slice(0, 500)}`);
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
      const action = /<form[^>]*action="([^"]+)"[^>]*method="post"/.exec(html)?.[1];
      if (!prompt || !action) throw new Error(`no interaction form at ${url.href}: ${html.slice(0, 500)}`);
      if (cancel) {
        url = new URL(`${action.replace(/&amp;/g, '&')}/abort`, url); // the page's "Cancel" link
        continue;
      }
      body = prompt === 'login' ? new URLSearchParams({ prompt, login: accountId, password: 'any' }) : new URLSearchParams({ prompt });
      url = new URL(action.replace(/&amp;/g, '&'), url);
    }
    throw new Error('the provider kept redirecting');
  };

  let discovered: client.Configuration | undefined;
  const configurationOf = async () => {
    discovered ??= await client.discovery(new URL(issuer), TEST_CLIENT_ID, TEST_CLIENT_SECRET, undefined, {
      execute: [client.allowInsecureRequests],
    });
    return discovered;
  };

  const userAccessToken = async (username: string): Promise<string> => {
    const config = await configurationOf();
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid api',
      resource: audience,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
    });
    const callback = await completeInteractions(url, username);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state });
    return tokens.access_token;
  };

  const clientCredentialsToken = async (): Promise<string> => {
    const tokens = await client.clientCredentialsGrant(await configurationOf(), { scope: 'api', resource: audience });
    return tokens.access_token;
  };

  return {
    issuer,
    clientId: TEST_CLIENT_ID,
    clientSecret: TEST_CLIENT_SECRET,
    redirectUri,
    audience,
    accounts,
    jwks,
    provider,
    completeInteractions,
    userAccessToken,
    clientCredentialsToken,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
