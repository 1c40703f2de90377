/**
 * OpenID Connect against a real provider (oidc-provider, test/support/oidc-provider.ts): the access
 * token verifier (jose) refuses every kind of bad token with its own code, and the sign-in (openid-client)
 * goes through the provider's login and consent forms, driven with plain HTTP requests.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { base64url, decodeJwt, importJWK, SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { AccessTokenError, AccessTokenVerifier, bearerToken, isJwtShaped } from '../../src/auth/oidc/access-token-verifier.js';
import { OidcLogin, OidcLoginError, type PendingOidcLogin } from '../../src/auth/oidc/oidc-login.js';
import type { Browser } from 'playwright-core';
import { BROWSER_TEST_TIMEOUT_MS, closeBrowser, launchBrowser } from '../support/browser.js';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';

// Never opened (the tests read the redirect; Chromium's is answered by a route); not a port Chromium refuses as unsafe.
const REDIRECT_URL = 'http://127.0.0.1:3999/auth/oidc/callback';

/** The code of the AccessTokenError `promise` rejects with (fails the test on any other outcome). */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AccessTokenError || error instanceof OidcLoginError) return error.code;
    throw error;
  }
  throw new Error('accepted');
}

/** A port nothing listens on (taken, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let provider: TestOidcProvider;
/** Signs with the same key as `provider`, under another issuer. */
let sameKeyOtherIssuer: TestOidcProvider;
/** Another issuer with its own key. */
let otherProvider: TestOidcProvider;

beforeAll(async () => {
  provider = await startOidcProvider({ redirectUri: REDIRECT_URL });
  sameKeyOtherIssuer = await startOidcProvider({ redirectUri: REDIRECT_URL, jwks: provider.jwks });
  otherProvider = await startOidcProvider({ redirectUri: REDIRECT_URL });
});

afterAll(async () => {
  await Promise.all([provider, sameKeyOtherIssuer, otherProvider].map((p) => p?.close()));
});

const verifierFor = (p: TestOidcProvider, options: { now?: () => Date; audience?: string } = {}) =>
  new AccessTokenVerifier({
    issuer: p.issuer,
    audience: options.audience ?? p.audience,
    operatorClaim: 'preferred_username',
    now: options.now,
  });

describe('the access token verifier', () => {
  it("accepts the provider's JWT access token for the API and returns its claims", async () => {
    const token = await provider.userAccessToken('mrossi');
    const verified = await verifierFor(provider).verify(token);
    expect(verified).toMatchObject({ subject: 'a1b2c3', operator: 'mrossi' });
    expect(verified.claims).toMatchObject({
      iss: provider.issuer,
      aud: provider.audience,
      sub: 'a1b2c3',
      client_id: provider.clientId,
      name: 'Mario Rossi',
      email: 'mario.rossi@cpi.example',
    });
  });

  it('accepts a client credentials token, which names no operator', async () => {
    const verified = await verifierFor(provider).verify(await provider.clientCredentialsToken());
    expect(verified).toMatchObject({ subject: provider.clientId, operator: null });
  });

  it('refuses an expired token: the verifier clock moved past exp and the tolerance', async () => {
    const token = await provider.userAccessToken('mrossi');
    const { exp } = decodeJwt(token);
    expect(await refusal(verifierFor(provider, { now: () => new Date((exp! + 31) * 1000) }).verify(token))).toBe('expired');
    // Within the 30 s tolerance it still passes.
    await expect(verifierFor(provider, { now: () => new Date((exp! + 29) * 1000) }).verify(token)).resolves.toMatchObject({
      operator: 'mrossi',
    });
  });

  it('refuses a token meant for another audience', async () => {
    const token = await provider.userAccessToken('mrossi');
    expect(await refusal(verifierFor(provider, { audience: 'https://other.example/api' }).verify(token))).toBe('wrong_audience');
  });

  it('refuses a token of another issuer, even signed with the same key', async () => {
    const token = await sameKeyOtherIssuer.userAccessToken('mrossi');
    await expect(verifierFor(sameKeyOtherIssuer).verify(token)).resolves.toMatchObject({ operator: 'mrossi' });
    expect(await refusal(verifierFor(provider).verify(token))).toBe('wrong_issuer');
  });

  it("refuses a token signed with a key the provider does not publish (another provider's)", async () => {
    const token = await otherProvider.userAccessToken('mrossi');
    expect(await refusal(verifierFor(provider).verify(token))).toBe('bad_signature');
    // Renamed to provider's issuer, it is still signed by a key provider does not publish.
    const [header, , signature] = token.split('.');
    const renamed = `${header}.${base64url.encode(JSON.stringify({ ...decodeJwt(token), iss: provider.issuer }))}.${signature}`;
    expect(await refusal(verifierFor(provider).verify(renamed))).toBe('bad_signature');
  });

  it('refuses a tampered payload and a tampered signature', async () => {
    const token = await provider.userAccessToken('lbianchi');
    const [header, payload, signature] = token.split('.');
    const promoted = base64url.encode(JSON.stringify({ ...decodeJwt(token), preferred_username: 'admin' }));
    expect(await refusal(verifierFor(provider).verify(`${header}.${promoted}.${signature}`))).toBe('bad_signature');
    const middle = Math.floor(signature.length / 2);
    const flipped = signature.slice(0, middle) + (signature[middle] === 'A' ? 'B' : 'A') + signature.slice(middle + 1);
    expect(await refusal(verifierFor(provider).verify(`${header}.${payload}.${flipped}`))).toBe('bad_signature');
  });

  it('refuses an unsigned token (alg: none) and a symmetric algorithm', async () => {
    const claims = decodeJwt(await provider.userAccessToken('mrossi'));
    const unsigned = new UnsecuredJWT(claims).encode();
    expect(await refusal(verifierFor(provider).verify(unsigned))).toBe('unsigned');
    // The classic confusion: HS256 keyed with something public.
    const hs256 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(provider.clientSecret));
    expect(await refusal(verifierFor(provider).verify(hs256))).toBe('algorithm_not_allowed');
  });

  it("refuses tokens signed with the provider's own key but without exp or sub, or not valid yet", async () => {
    // Minted here with the provider's private key: the provider itself never issues such tokens.
    const [jwk] = provider.jwks.keys;
    const key = await importJWK(jwk, 'RS256');
    const now = Math.floor(Date.now() / 1000);
    const sign = (claims: JWTPayload) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: 'at+jwt' }).sign(key);
    const base = { iss: provider.issuer, aud: provider.audience, sub: 'a1b2c3', iat: now, exp: now + 300, preferred_username: 'mrossi' };
    await expect(verifierFor(provider).verify(await sign(base))).resolves.toMatchObject({ operator: 'mrossi' });
    for (const missing of ['exp', 'sub'] as const) {
      const claims: JWTPayload = { ...base };
      delete claims[missing];
      expect({ missing, code: await refusal(verifierFor(provider).verify(await sign(claims))) }).toEqual({
        missing,
        code: 'invalid_claims',
      });
    }
    expect(await refusal(verifierFor(provider).verify(await sign({ ...base, nbf: now + 3600 })))).toBe('not_yet_valid');
    expect(await refusal(verifierFor(provider).verify(await sign({ ...base, exp: 'tomorrow' } as unknown as JWTPayload)))).toBe(
      'invalid_claims',
    );
  });

  it('refuses what is not a JWT', async () => {
    for (const garbage of ['', 'not-a-jwt', 'a.b.c', 'eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln', '....', 'é.é.é']) {
      expect({ garbage, code: await refusal(verifierFor(provider).verify(garbage)) }).toEqual({ garbage, code: 'malformed' });
    }
  });

  it('says the provider is unavailable while it is down, and works once it is up (discovery is retried)', async () => {
    const port = await freePort();
    const verifier = new AccessTokenVerifier({ issuer: `http://127.0.0.1:${port}`, audience: provider.audience });
    const token = await provider.userAccessToken('mrossi');
    expect(await refusal(verifier.verify(token))).toBe('provider_unavailable');
    const late = await startOidcProvider({ port, redirectUri: REDIRECT_URL });
    try {
      await expect(verifier.verify(await late.userAccessToken('lbianchi'))).resolves.toMatchObject({ operator: 'lbianchi' });
    } finally {
      await late.close();
    }
  });

  it('reads bearer credentials and tells JWTs from other tokens', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer  abc')).toBe('abc');
    for (const header of [undefined, '', 'Basic abc', 'Bearer', 'Bearer a b', 'Bearerabc']) expect(bearerToken(header)).toBeNull();
    expect(isJwtShaped('eyJh.eyJz.c2ln')).toBe(true);
    expect(isJwtShaped('pct_0123456789abcdef')).toBe(false);
  });
});

describe('sign-in with the OpenID provider (authorization code, PKCE S256, state, nonce)', () => {
  const loginFor = (p: TestOidcProvider) =>
    new OidcLogin({
      issuer: p.issuer,
      clientId: p.clientId,
      clientSecret: p.clientSecret,
      redirectUrl: REDIRECT_URL,
      operatorClaim: 'preferred_username',
      scopes: ['openid', 'profile', 'email'],
    });

  it('sends the browser to the provider with an S256 code challenge, state and nonce', async () => {
    const started = await loginFor(provider).start();
    expect(started.url.origin).toBe(provider.issuer);
    const params = Object.fromEntries(started.url.searchParams);
    expect(params).toMatchObject({
      response_type: 'code',
      client_id: provider.clientId,
      redirect_uri: REDIRECT_URL,
      scope: 'openid profile email',
      code_challenge_method: 'S256',
      code_challenge: createHash('sha256').update(started.codeVerifier).digest('base64url'),
      state: started.state,
      nonce: started.nonce,
    });
    expect(started.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    // Each start has its own secrets.
    const again = await loginFor(provider).start();
    expect(new Set([started.state, started.nonce, started.codeVerifier, again.state, again.nonce, again.codeVerifier]).size).toBe(6);
  });

  it("completes: the ID token's claims name the operator", async () => {
    const login = loginFor(provider);
    const { url, ...kept } = await login.start();
    const callback = await provider.completeInteractions(url, 'lbianchi');
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URL);
    const finished = await login.finish(callback, kept);
    expect(finished).toMatchObject({ subject: 'd4e5f6', operator: 'lbianchi' });
    expect(finished.claims).toMatchObject({
      iss: provider.issuer,
      aud: provider.clientId,
      nonce: kept.nonce,
      name: 'Lucia Bianchi',
      email: 'lucia.bianchi@cpi.example',
    });
  });

  describe('in Chromium', () => {
    let browser: Browser | undefined;
    beforeAll(async () => {
      browser = await launchBrowser('chromium');
    }, BROWSER_TEST_TIMEOUT_MS);
    afterAll(() => closeBrowser(browser));

    it(
      "signs in through the provider's own login and consent pages",
      async () => {
        const login = loginFor(provider);
        const { url, ...kept } = await login.start();
        const context = await browser!.newContext();
        try {
          // The provider's pages ask for a web font: nothing leaves the machine.
          await context.route('**/*', async (route) => {
            if (new URL(route.request().url()).origin === provider.issuer) await route.continue();
            else await route.abort('blockedbyclient');
          });
          // Nothing listens at the callback: the browser's arrival there is answered here, and its URL kept.
          let arrived: URL | undefined;
          await context.route(`${REDIRECT_URL}**`, async (route) => {
            arrived = new URL(route.request().url());
            await route.fulfill({ status: 200, contentType: 'text/plain', body: 'signed in' });
          });
          const page = await context.newPage();
          await page.goto(url.href);
          // The development login form takes the account id (Lucia Bianchi's sub) and any password.
          await page.locator('input[name="login"]').fill('d4e5f6');
          await page.locator('input[name="password"]').fill('any');
          await page.getByRole('button', { name: 'Sign-in' }).click();
          await page.getByRole('button', { name: 'Continue' }).click();
          await page.waitForURL(`${REDIRECT_URL}**`);
          expect(arrived?.searchParams.get('state')).toBe(kept.state);
          await expect(login.finish(arrived!, kept)).resolves.toMatchObject({ subject: 'd4e5f6', operator: 'lbianchi' });
        } finally {
          await context.close();
        }
      },
      BROWSER_TEST_TIMEOUT_MS,
    );
  });

  it('refuses a callback whose state is not the one kept, and a code redeemed twice', async () => {
    const login = loginFor(provider);
    const first = await login.start();
    const second = await login.start();
    const callback = await provider.completeInteractions(first.url, 'mrossi');
    const keptFirst: PendingOidcLogin = { state: first.state, nonce: first.nonce, codeVerifier: first.codeVerifier };
    const keptSecond: PendingOidcLogin = { state: second.state, nonce: second.nonce, codeVerifier: second.codeVerifier };
    expect(await refusal(login.finish(callback, keptSecond))).toBe('state_mismatch');
    const forged = new URL(callback);
    forged.searchParams.set('state', 'forged');
    expect(await refusal(login.finish(forged, keptFirst))).toBe('state_mismatch');
    await expect(login.finish(callback, keptFirst)).resolves.toMatchObject({ operator: 'mrossi' });
    await expect(login.finish(callback, keptFirst)).rejects.toMatchObject({
      code: 'invalid_response',
      message: expect.stringContaining('invalid_grant'),
    });
  });

  it('refuses a code redeemed with another code verifier (PKCE)', async () => {
    const login = loginFor(provider);
    const { url, ...kept } = await login.start();
    const other = await login.start();
    const callback = await provider.completeInteractions(url, 'mrossi');
    await expect(login.finish(callback, { ...kept, codeVerifier: other.codeVerifier })).rejects.toMatchObject({
      code: 'invalid_response',
      message: expect.stringContaining('invalid_grant'),
    });
  });

  it("refuses an ID token whose nonce is not this sign-in's", async () => {
    const login = loginFor(provider);
    const { url, ...kept } = await login.start();
    const other = await login.start();
    const callback = await provider.completeInteractions(url, 'mrossi');
    expect(await refusal(login.finish(callback, { ...kept, nonce: other.nonce }))).toBe('invalid_response');
  });

  it('reports a sign-in the user cancelled at the provider', async () => {
    const login = loginFor(provider);
    const { url, ...kept } = await login.start();
    const callback = await provider.completeInteractions(url, 'mrossi', { cancel: true });
    expect(Object.fromEntries(callback.searchParams)).toMatchObject({ error: 'access_denied', state: kept.state });
    await expect(login.finish(callback, kept)).rejects.toMatchObject({
      code: 'login_refused',
      message: expect.stringContaining('access_denied'),
    });
  });

  it('refuses an ID token without the operator claim (here: no profile scope asked)', async () => {
    const login = new OidcLogin({
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      redirectUrl: REDIRECT_URL,
      operatorClaim: 'preferred_username',
      scopes: ['openid'],
    });
    const { url, ...kept } = await login.start();
    expect(await refusal(login.finish(await provider.completeInteractions(url, 'mrossi'), kept))).toBe('missing_operator_claim');
  });

  it('says the provider is unavailable while it is down, and works once it is up', async () => {
    const port = await freePort();
    const login = new OidcLogin({
      issuer: `http://127.0.0.1:${port}`,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      redirectUrl: REDIRECT_URL,
      operatorClaim: 'preferred_username',
      scopes: ['openid', 'profile'],
    });
    expect(await refusal(login.start())).toBe('provider_unavailable');
    const late = await startOidcProvider({ port, redirectUri: REDIRECT_URL });
    try {
      const { url, ...kept } = await login.start();
      await expect(login.finish(await late.completeInteractions(url, 'mrossi'), kept)).resolves.toMatchObject({ operator: 'mrossi' });
    } finally {
      await late.close();
    }
  });
});
