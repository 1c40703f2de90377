/**
 * OpenID Connect against a real provider (oidc-provider, test/support/oidc-provider.ts): the access
 * token verifier (jose) refuses every kind of bad token with its own code, and the sign-in (openid-client)
 * goes through the provider's login and consent forms, driven with plain HTTP requests. Then the same
 * wired into the service: GET /auth/oidc/login and /callback open sessions, and the provider's access
 * tokens are API credentials.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { base64url, decodeJwt, importJWK, SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { AccessTokenError, AccessTokenVerifier, bearerToken, isJwtShaped } from '../../src/auth/oidc/access-token-verifier.js';
import { OidcLogin, OidcLoginError, type PendingOidcLogin } from '../../src/auth/oidc/oidc-login.js';
import { BROWSER_TEST_TIMEOUT_MS, suiteBrowser } from '../support/browser.js';
import { startOidcProvider, TEST_ACCOUNTS, type TestAccount, type TestOidcProvider } from '../support/oidc-provider.js';
import { conformance } from '../support/openapi-conformance.js';
import type { TestApp } from '../support/test-app.js';
import { TestClock } from '../support/test-clock.js';
import { ADMIN_PASSWORD, bearer, signIn, startIdentityApp, type IdentityClient } from '../identity/identity-fixture.js';

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
    const browser = suiteBrowser('chromium');

    it(
      "signs in through the provider's own login and consent pages",
      async () => {
        const login = loginFor(provider);
        const { url, ...kept } = await login.start();
        const context = await browser().newContext();
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

describe('the service with OpenID Connect: sign-in routes, sessions, access tokens as API credentials', () => {
  /** The registry knows lbianchi, pneri and gverdi (disabled); mrossi exists only at the provider. */
  const ACCOUNTS: TestAccount[] = [
    ...TEST_ACCOUNTS.map((a) => (a.preferred_username === 'lbianchi' ? { ...a, roles: ['case_manager', 'admin'] } : a)),
    { sub: 'g7h8i9', preferred_username: 'pneri', name: 'Paola Neri', email: 'paola.neri@cpi.example' },
    { sub: 'j1k2l3', preferred_username: 'gverdi', name: 'Giorgio Verdi', email: 'giorgio.verdi@cpi.example', roles: ['case_manager'] },
  ];
  const clock = new TestClock();
  let idp: TestOidcProvider;
  let t: TestApp;
  let api: IdentityClient;
  let officeId: string;

  beforeAll(async () => {
    const port = await freePort();
    idp = await startOidcProvider({ redirectUri: `http://127.0.0.1:${port}/auth/oidc/callback`, accounts: ACCOUNTS });
    ({ t, api } = await startIdentityApp({
      port,
      clock,
      env: {
        PERCORSI_OIDC_ISSUER: idp.issuer,
        PERCORSI_OIDC_AUDIENCE: idp.audience,
        PERCORSI_OIDC_CLIENT_ID: idp.clientId,
        PERCORSI_OIDC_CLIENT_SECRET: idp.clientSecret,
        PERCORSI_OIDC_REDIRECT_URL: idp.redirectUri,
        PERCORSI_OIDC_ROLES_CLAIM: 'roles',
      },
    }));
    const admin = await signIn(t, api, 'admin', ADMIN_PASSWORD);
    const agency = await api.post('/admin/agencies', { name: 'CPI Milano', kind: 'cpi' }, admin);
    officeId = (await api.post('/admin/offices', { name: 'Sede centrale', agencyId: agency.body.id }, admin)).body.id;
    // Operators without a password: they sign in through the provider only.
    for (const [username, roles] of [
      ['lbianchi', ['case_manager', 'supervisor']],
      ['pneri', ['analyst']],
      ['gverdi', ['case_manager']],
    ] as const) {
      const created = await api.post('/admin/operators', { username, name: username, roles, officeIds: [officeId] }, admin);
      expect(created.status).toBe(201);
      if (username === 'gverdi')
        expect((await api.patch(`/admin/operators/${created.body.id}`, { disabled: true }, admin)).status).toBe(200);
    }
  });
  afterAll(async () => {
    await t?.close();
    await idp?.close();
  });

  /** A fetch that does not follow redirects, checked against the OpenAPI document. */
  const raw = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${t.url}${path}`, { headers, redirect: 'manual' });
    const text = await response.text();
    let body: unknown = text || null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // HTML or empty
    }
    (await conformance(t.url)).assert({ method: 'GET', path, status: response.status, headers: response.headers, body });
    return { status: response.status, headers: response.headers, body: body as any, location: response.headers.get('location') };
  };
  const setCookie = (headers: Headers, name: string) => headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  const pair = (line: string | undefined) => line!.split(';')[0];
  const sessionCount = async () => (await t.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM sessions`))[0].n;

  /** GET /auth/oidc/login: the provider's URL and the flow cookie. */
  async function startFlow(next?: string, headers: Record<string, string> = {}) {
    const started = await raw(`/auth/oidc/login${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`, headers);
    expect(started.status).toBe(302);
    return { url: new URL(started.location!), flowCookie: pair(setCookie(started.headers, 'percorsi_oidc')), headers: started.headers };
  }

  /** The whole flow over HTTP as `username`: the callback's answer. */
  async function signInAs(username: string, next?: string) {
    const { url, flowCookie } = await startFlow(next);
    const callback = await idp.completeInteractions(url, username);
    return raw(`${callback.pathname}${callback.search}`, { cookie: flowCookie });
  }

  const expectSignInFailed = (response: { status: number; body: any; headers: Headers }, reason: string) => {
    expect({ status: response.status, code: response.body?.code, reason: response.body?.reason }).toEqual({
      status: 401,
      code: 'OIDC_SIGN_IN_FAILED',
      reason,
    });
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="percorsi"');
    expect(setCookie(response.headers, 'percorsi_session')).toBeUndefined();
  };

  it('GET /auth/oidc/login sends the browser to the provider, the flow sealed in a short-lived cookie scoped to /auth/oidc', async () => {
    const { url, flowCookie, headers } = await startFlow('/cases');
    expect(url.origin).toBe(idp.issuer);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: idp.clientId,
      redirect_uri: idp.redirectUri,
      code_challenge_method: 'S256',
    });
    const line = setCookie(headers, 'percorsi_oidc')!;
    expect(line).toMatch(/; Max-Age=600;/);
    expect(line).toMatch(/; Path=\/auth\/oidc;/);
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; SameSite=Lax/);
    expect(line).not.toMatch(/; Secure/);
    // Sealed: neither the state nor the code verifier nor next can be read from it.
    const value = decodeURIComponent(flowCookie.split('=')[1]);
    expect(value).not.toContain(url.searchParams.get('state')!);
    expect(value).not.toContain('/cases');
    // Behind https (a trusted proxy says so) the cookie is Secure.
    const secure = await startFlow('/cases', { 'x-forwarded-proto': 'https' });
    expect(setCookie(secure.headers, 'percorsi_oidc')).toMatch(/; Secure/);
  });

  it('the callback opens a session as a password sign-in does, clears the flow cookie and goes on to next', async () => {
    const before = await sessionCount();
    const done = await signInAs('lbianchi', '/cases?status=active');
    expect(done.status).toBe(303);
    expect(done.location).toBe('/cases?status=active');
    const session = setCookie(done.headers, 'percorsi_session')!;
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Lax/);
    expect(setCookie(done.headers, 'percorsi_oidc')).toMatch(/percorsi_oidc=;.*Expires=Thu, 01 Jan 1970/);
    expect(await sessionCount()).toBe(before + 1);
    // The session's principal comes from the registry (the roles claim is for access tokens).
    const me = await api.get('/me', { cookie: pair(session) });
    expect(me.status).toBe(200);
    expect(me.body.operator.username).toBe('lbianchi');
    expect(me.body.roles.sort()).toEqual(['case_manager', 'supervisor']);
    expect(me.body.offices.map((o: { id: string }) => o.id)).toEqual([officeId]);
  });

  it('sends the browser only to a path of this service: an absolute or scheme-relative next ends at the console (/)', async () => {
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', 'evil', '']) {
      const done = await signInAs('lbianchi', next);
      expect({ next, status: done.status, location: done.location }).toEqual({ next, status: 303, location: '/' });
    }
    const done = await signInAs('lbianchi');
    expect(done.location).toBe('/');
  });

  it('refuses an operator the registry does not know, or has disabled, and changes nothing', async () => {
    const before = await sessionCount();
    expectSignInFailed(await signInAs('mrossi'), 'unknown_operator');
    expectSignInFailed(await signInAs('gverdi'), 'unknown_operator');
    expect(await sessionCount()).toBe(before);
  });

  it('refuses a callback without the flow cookie, with an altered one, or with another sign-in’s', async () => {
    const { url, flowCookie } = await startFlow('/me');
    const callback = await idp.completeInteractions(url, 'lbianchi');
    const path = `${callback.pathname}${callback.search}`;
    expectSignInFailed(await raw(path), 'flow_missing');
    const [name, value] = flowCookie.split('=');
    const middle = Math.floor(value.length / 2);
    const altered = `${name}=${value.slice(0, middle)}${value[middle] === 'A' ? 'B' : 'A'}${value.slice(middle + 1)}`;
    expectSignInFailed(await raw(path, { cookie: altered }), 'flow_invalid');
    expectSignInFailed(await raw(path, { cookie: `${name}=v1.not.a.box` }), 'flow_invalid');
    const other = await startFlow('/me');
    expectSignInFailed(await raw(path, { cookie: other.flowCookie }), 'state_mismatch');
    // The right cookie still works: nothing was spent by the refusals.
    expect((await raw(path, { cookie: flowCookie })).status).toBe(303);
    // The code is spent now: the provider refuses it a second time.
    expectSignInFailed(await raw(path, { cookie: flowCookie }), 'invalid_response');
  });

  it('reports a sign-in cancelled at the provider', async () => {
    const { url, flowCookie } = await startFlow();
    const callback = await idp.completeInteractions(url, 'lbianchi', { cancel: true });
    expectSignInFailed(await raw(`${callback.pathname}${callback.search}`, { cookie: flowCookie }), 'login_refused');
  });

  it('the sign-in page offers the organisation’s account, keeping next', async () => {
    const page = await raw('/auth/login?next=%2Fcases%3Fx%3D1');
    expect(page.status).toBe(200);
    expect(page.body).toContain('href="/auth/oidc/login?next=%2Fcases%3Fx%3D1"');
    expect(page.body).toContain('Accedi con l&#39;account dell&#39;ente');
  });

  describe('in Chromium', () => {
    const browser = suiteBrowser('chromium');

    it(
      'signs in from the sign-in page through the provider and back to next, with a session the API accepts',
      async () => {
        const context = await browser().newContext({ locale: 'en-GB' });
        try {
          await context.route('**/*', async (route) => {
            const origin = new URL(route.request().url()).origin;
            if (origin === idp.issuer || origin === t.url) await route.continue();
            else await route.abort('blockedbyclient');
          });
          const page = await context.newPage();
          await page.goto(`${t.url}/auth/login?next=${encodeURIComponent('/me')}`);
          await page.getByRole('link', { name: "Sign in with the organisation's account" }).click();
          await page.waitForURL(`${idp.issuer}/**`);
          await page.locator('input[name="login"]').fill('d4e5f6');
          await page.locator('input[name="password"]').fill('any');
          await page.getByRole('button', { name: 'Sign-in' }).click();
          await page.getByRole('button', { name: 'Continue' }).click();
          await page.waitForURL(`${t.url}/me`);
          expect(JSON.parse((await page.locator('body').textContent()) ?? '')).toMatchObject({ operator: { username: 'lbianchi' } });
          const cookies = await context.cookies(t.url);
          const session = cookies.find((c) => c.name === 'percorsi_session')!;
          expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
          expect(cookies.find((c) => c.name === 'percorsi_oidc')).toBeUndefined();
          const me = await api.get('/me', { cookie: `percorsi_session=${session.value}` });
          expect(me.body.operator.username).toBe('lbianchi');
        } finally {
          await context.close();
        }
      },
      BROWSER_TEST_TIMEOUT_MS,
    );
  });

  describe("the provider's access tokens on the API", () => {
    const mint = async (claims: JWTPayload) => {
      const [jwk] = idp.jwks.keys;
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: 'at+jwt' }).sign(await importJWK(jwk, 'RS256'));
    };
    const base = () => {
      const now = Math.floor(clock.now().getTime() / 1000);
      return { iss: idp.issuer, aud: idp.audience, sub: 'd4e5f6', iat: now, exp: now + 300, preferred_username: 'lbianchi' };
    };
    const expectUnauthenticated = async (token: string, what: string) => {
      const me = await api.get('/me', bearer(token));
      expect({ what, status: me.status, code: me.body?.code, challenge: me.headers.get('www-authenticate') }).toEqual({
        what,
        status: 401,
        code: 'UNAUTHENTICATED',
        challenge: 'Bearer realm="percorsi"',
      });
    };

    it('GET /me with an access token: the operator the claim names, roles narrowed by the roles claim, offices from the registry', async () => {
      const me = await api.get('/me', bearer(await idp.userAccessToken('lbianchi')));
      expect(me.status).toBe(200);
      expect(me.body.operator.username).toBe('lbianchi');
      // Registry: case_manager, supervisor; claim: case_manager, admin. The claim narrows, never widens.
      expect(me.body.roles).toEqual(['case_manager']);
      expect(me.body.offices.map((o: { id: string }) => o.id)).toEqual([officeId]);
      // A configured roles claim the token lacks leaves no role.
      const neri = await api.get('/me', bearer(await idp.userAccessToken('pneri')));
      expect(neri.status).toBe(200);
      expect(neri.body.roles).toEqual([]);
    });

    it('refuses expired, wrong-audience, wrong-issuer and tampered tokens with 401 UNAUTHENTICATED', async () => {
      await expect(api.get('/me', bearer(await mint(base())))).resolves.toMatchObject({ status: 200 });
      const now = Math.floor(clock.now().getTime() / 1000);
      await expectUnauthenticated(await mint({ ...base(), iat: now - 900, exp: now - 600 }), 'expired');
      await expectUnauthenticated(await mint({ ...base(), aud: 'https://other.example/api' }), 'wrong audience');
      await expectUnauthenticated(await mint({ ...base(), aud: idp.clientId }), 'an ID token audience');
      await expectUnauthenticated(await mint({ ...base(), iss: otherProvider.issuer }), 'wrong issuer');
      await expectUnauthenticated(await otherProvider.userAccessToken('lbianchi'), "another provider's token");
      const [header, payload, signature] = (await idp.userAccessToken('pneri')).split('.');
      const promoted = base64url.encode(
        JSON.stringify({ ...decodeJwt(`${header}.${payload}.${signature}`), preferred_username: 'lbianchi' }),
      );
      await expectUnauthenticated(`${header}.${promoted}.${signature}`, 'tampered');
      await expectUnauthenticated(new UnsecuredJWT(base()).encode(), 'unsigned');
    });

    it('refuses a token naming no operator, an unknown one or a disabled one', async () => {
      await expectUnauthenticated(await idp.userAccessToken('mrossi'), 'unknown operator');
      await expectUnauthenticated(await idp.userAccessToken('gverdi'), 'disabled operator');
      await expectUnauthenticated(await idp.clientCredentialsToken(), 'client credentials (no operator)');
    });
  });

  // Last: it moves the clock past the tokens' lifetimes.
  it('refuses a flow cookie older than 10 minutes, even if the browser kept it', async () => {
    const { url, flowCookie } = await startFlow('/me');
    const callback = await idp.completeInteractions(url, 'lbianchi');
    clock.advance(10 * 60_000 + 1000);
    expectSignInFailed(await raw(`${callback.pathname}${callback.search}`, { cookie: flowCookie }), 'flow_expired');
  });
});

describe('the service when the OpenID provider is down, or OpenID Connect is off', () => {
  let down: TestApp;
  let off: TestApp;
  beforeAll(async () => {
    const port = await freePort();
    ({ t: down } = await startIdentityApp({
      env: {
        PERCORSI_OIDC_ISSUER: `http://127.0.0.1:${port}`,
        PERCORSI_OIDC_AUDIENCE: provider.audience,
        PERCORSI_OIDC_CLIENT_ID: provider.clientId,
        PERCORSI_OIDC_CLIENT_SECRET: provider.clientSecret,
        PERCORSI_OIDC_REDIRECT_URL: REDIRECT_URL,
      },
    }));
    ({ t: off } = await startIdentityApp());
  });
  afterAll(async () => {
    await down?.close();
    await off?.close();
  });

  it('answers 503 OIDC_PROVIDER_UNAVAILABLE with Retry-After while the provider cannot be reached', async () => {
    const login = await fetch(`${down.url}/auth/oidc/login`, { redirect: 'manual' });
    expect(login.status).toBe(503);
    expect(login.headers.get('retry-after')).toBe('5');
    expect(((await login.json()) as { code: string }).code).toBe('OIDC_PROVIDER_UNAVAILABLE');
    const me = await fetch(`${down.url}/me`, { headers: bearer(await provider.userAccessToken('mrossi')) });
    expect(me.status).toBe(503);
    expect(((await me.json()) as { code: string }).code).toBe('OIDC_PROVIDER_UNAVAILABLE');
  });

  it('answers 404 OIDC_NOT_CONFIGURED without PERCORSI_OIDC_ISSUER, and the sign-in page offers no provider', async () => {
    for (const path of ['/auth/oidc/login?next=/me', '/auth/oidc/callback?code=x&state=y']) {
      const response = await fetch(`${off.url}${path}`, { redirect: 'manual' });
      expect({ path, status: response.status, code: ((await response.json()) as { code: string }).code }).toEqual({
        path,
        status: 404,
        code: 'OIDC_NOT_CONFIGURED',
      });
    }
    const page = await (await fetch(`${off.url}/auth/login`)).text();
    expect(page).toContain('<form id="sign-in"');
    expect(page).not.toContain('/auth/oidc/login');
  });
});
