import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { TestApp } from '../support/test-app.js';
import { SnapshotTaker } from '../support/fuzz-snapshot.js';
import { TestClock } from '../support/test-clock.js';
import {
  ADMIN_PASSWORD,
  anOperator,
  bearer,
  browser,
  seenBodies,
  sessionCookie,
  signIn,
  startIdentityApp,
  type IdentityClient,
} from './identity-fixture.js';

const MINUTE = 60_000;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('sign-in with built-in accounts, and sessions', () => {
  let t: TestApp;
  let api: IdentityClient;
  let admin: Record<string, string>;
  const clock = new TestClock();

  beforeAll(async () => {
    ({ t, api } = await startIdentityApp({ clock }));
    admin = await signIn(t, api, 'admin', ADMIN_PASSWORD);
  });
  afterAll(() => t.close());

  it('signs in with a username (any letter case) and password: the cookie, and who is signed in', async () => {
    const response = await api.post('/auth/login', { username: 'ADMIN', password: ADMIN_PASSWORD });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      operator: { id: expect.any(String), username: 'admin', name: 'Administrator', kind: 'person' },
      agency: null,
      offices: [],
      roles: ['admin'],
      via: 'session',
    });
    const { cookie, setCookie } = sessionCookie(response);
    expect(setCookie).toMatch(/; Path=\//);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Lax/);
    expect(setCookie).toMatch(/; Max-Age=43200/);
    expect(setCookie).not.toMatch(/Secure/);
    const me = await api.get('/me', { cookie });
    expect(me.status).toBe(200);
    expect(me.body).toEqual(response.body);
    // The session row is the sha256 of the cookie's token, not the token.
    const token = cookie.split('=')[1];
    const rows = await t.dataSource.query<{ id: string }[]>(`SELECT id FROM sessions WHERE id = $1`, [sha256(token)]);
    expect(rows).toHaveLength(1);
    expect(await t.dataSource.query(`SELECT id FROM sessions WHERE id = $1`, [token])).toHaveLength(0);
  });

  it('marks the cookie Secure when the request came over https (X-Forwarded-Proto from a trusted proxy)', async () => {
    const response = await api.post('/auth/login', { username: 'admin', password: ADMIN_PASSWORD }, { 'x-forwarded-proto': 'https' });
    expect(sessionCookie(response).setCookie).toMatch(/; Secure/);
  });

  it('answers a wrong password and an unknown username alike, and writes nothing', async () => {
    const snapshots = new SnapshotTaker(t.dataSource);
    const before = await snapshots.take();
    const wrong = await api.post('/auth/login', { username: 'admin', password: 'not the password' }, { 'x-forwarded-for': '10.0.0.1' });
    const unknown = await api.post('/auth/login', { username: 'nobody', password: 'not the password' }, { 'x-forwarded-for': '10.0.0.1' });
    for (const response of [wrong, unknown]) {
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="percorsi"');
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    const comparable = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
    expect(comparable(wrong.body)).toEqual(comparable(unknown.body));
    expect(wrong.body.code).toBe('INVALID_CREDENTIALS');
    expect(await snapshots.take()).toEqual(before);
  });

  it('refuses a disabled operator and one without a password the same way', async () => {
    const operator = await anOperator(api, admin, { roles: ['case_manager'] });
    expect((await api.patch(`/admin/operators/${operator.id}`, { disabled: true }, admin)).status).toBe(200);
    const disabled = await api.post('/auth/login', { username: operator.username, password: operator.password });
    expect(disabled.status).toBe(401);
    expect(disabled.body.code).toBe('INVALID_CREDENTIALS');
    const service = await api.post(
      '/admin/operators',
      { username: 'svc.nopass', name: 'Sistema', kind: 'service', roles: ['integration'] },
      admin,
    );
    expect(service.status).toBe(201);
    expect((await api.post('/auth/login', { username: 'svc.nopass', password: 'anything at all' })).body.code).toBe('INVALID_CREDENTIALS');
  });

  it('throttles failed sign-ins per username: 429 with Retry-After, even for the right password, and writes nothing', async () => {
    const operator = await anOperator(api, admin, { roles: ['case_manager'] });
    for (let i = 0; i < 5; i++) {
      const response = await api.post(
        '/auth/login',
        { username: operator.username, password: `wrong password ${i}` },
        { 'x-forwarded-for': `10.1.0.${i}` },
      );
      expect(response.status).toBe(401);
    }
    const snapshots = new SnapshotTaker(t.dataSource);
    const before = await snapshots.take();
    const throttled = await api.post(
      '/auth/login',
      { username: operator.username.toUpperCase(), password: operator.password },
      { 'x-forwarded-for': '10.1.1.1' },
    );
    expect(throttled.status).toBe(429);
    expect(throttled.body.code).toBe('TOO_MANY_ATTEMPTS');
    const retryAfter = Number(throttled.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(await snapshots.take()).toEqual(before);
    // Another account is not affected.
    expect((await api.post('/auth/login', { username: 'admin', password: ADMIN_PASSWORD }, { 'x-forwarded-for': '10.1.1.1' })).status).toBe(
      200,
    );
  });

  it('throttles failed sign-ins per address', async () => {
    for (let i = 0; i < 50; i++) {
      const response = await api.post(
        '/auth/login',
        { username: `guess.${i}`, password: 'wrong password' },
        { 'x-forwarded-for': '10.2.0.1' },
      );
      expect(response.status).toBe(401);
    }
    const throttled = await api.post('/auth/login', { username: 'admin', password: ADMIN_PASSWORD }, { 'x-forwarded-for': '10.2.0.1' });
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
  }, 240_000);

  it('signs out: the session row is revoked, the cookie cleared, the old cookie no longer works', async () => {
    const headers = await signIn(t, api, 'admin', ADMIN_PASSWORD);
    const logout = await api.post('/auth/logout', undefined, headers);
    expect(logout.status).toBe(204);
    expect(logout.headers.getSetCookie().join()).toMatch(/percorsi_session=;.*Expires=Thu, 01 Jan 1970/);
    const token = headers.cookie.split('=')[1];
    const [row] = await t.dataSource.query<{ revoked_at: Date | null }[]>(`SELECT revoked_at FROM sessions WHERE id = $1`, [sha256(token)]);
    expect(row.revoked_at).not.toBeNull();
    const me = await api.get('/me', headers);
    expect(me.status).toBe(401);
    expect(me.body.code).toBe('UNAUTHENTICATED');
    expect(me.headers.get('www-authenticate')).toBe('Bearer realm="percorsi"');
    // Signing out again, or without a session, only clears the cookie.
    expect((await api.post('/auth/logout', undefined, headers)).status).toBe(204);
    expect((await api.post('/auth/logout')).status).toBe(204);
  });

  it('refuses a cross-site sign-out (the session stays)', async () => {
    const headers = await signIn(t, api, 'admin', ADMIN_PASSWORD);
    const forged = await api.post('/auth/logout', undefined, { cookie: headers.cookie, origin: 'https://evil.example' });
    expect(forged.status).toBe(403);
    expect((await api.get('/me', headers)).status).toBe(200);
  });

  it('ends a session after 30 idle minutes; activity keeps it alive, updating last_seen_at at most once a minute', async () => {
    const headers = await signIn(t, api, 'admin', ADMIN_PASSWORD);
    const id = sha256(headers.cookie.split('=')[1]);
    const lastSeen = async () =>
      new Date((await t.dataSource.query<{ at: Date }[]>(`SELECT last_seen_at AS at FROM sessions WHERE id = $1`, [id]))[0].at).getTime();
    const signedInAt = await lastSeen();
    clock.advance(30 * 1000);
    expect((await api.get('/me', headers)).status).toBe(200);
    expect(await lastSeen()).toBe(signedInAt); // within the minute: no write
    clock.advance(29 * MINUTE);
    expect((await api.get('/me', headers)).status).toBe(200);
    expect(await lastSeen()).toBe(clock.now().getTime());
    clock.advance(29 * MINUTE);
    expect((await api.get('/me', headers)).status).toBe(200);
    clock.advance(30 * MINUTE);
    expect((await api.get('/me', headers)).status).toBe(401);
  });

  it('ends a session 12 hours after sign-in, however active', async () => {
    const headers = await signIn(t, api, 'admin', ADMIN_PASSWORD);
    for (let elapsed = 20; elapsed < 12 * 60; elapsed += 20) {
      clock.advance(20 * MINUTE);
      expect({ elapsed, status: (await api.get('/me', headers)).status }).toEqual({ elapsed, status: 200 });
    }
    clock.advance(20 * MINUTE);
    expect((await api.get('/me', headers)).status).toBe(401);
  });

  it('guards cookie writes against cross-site forgery; Bearer calls are not subject to it', async () => {
    const headers = await signIn(t, api, 'admin', ADMIN_PASSWORD);
    const body = { name: 'csrf probe' };
    const foreign = await api.post('/tokens', body, { cookie: headers.cookie, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body.code).toBe('FORBIDDEN');
    expect(foreign.body.detail).toContain('https://evil.example');
    const foreignReferer = await api.post('/tokens', body, { cookie: headers.cookie, referer: 'https://evil.example/page' });
    expect(foreignReferer.status).toBe(403);
    const neither = await api.post('/tokens', body, { cookie: headers.cookie });
    expect(neither.status).toBe(403);
    expect(neither.body.detail).toContain('Origin');
    const ownReferer = await api.post('/tokens', body, { cookie: headers.cookie, referer: `${t.url}/inspector` });
    expect(ownReferer.status).toBe(201);
    const own = await api.post('/tokens', body, browser(t, headers.cookie));
    expect(own.status).toBe(201);
    const viaToken = await api.post('/tokens', body, { ...bearer(own.body.token), origin: 'https://evil.example' });
    expect(viaToken.status).toBe(201);
    // Reads with the cookie need no Origin.
    expect((await api.get('/tokens', { cookie: headers.cookie })).status).toBe(200);
    // A sign-in posted by another site's page is refused too (login CSRF).
    const crossLogin = await api.post('/auth/login', { username: 'admin', password: ADMIN_PASSWORD }, { origin: 'https://evil.example' });
    expect(crossLogin.status).toBe(403);
  });

  it('answers 401 with WWW-Authenticate without credentials, or with a malformed or unknown one', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Basic YWRtaW46YWRtaW4=' },
      bearer('pct_unknown'),
      { cookie: 'percorsi_session=not-a-live-session-token-at-all' },
    ];
    for (const headers of attempts) {
      const response = await api.get('/me', headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="percorsi"');
    }
  });

  it('never shows a password hash', () => {
    expect(JSON.stringify(seenBodies)).not.toMatch(/argon2|passwordHash|password_hash/);
  });
});
