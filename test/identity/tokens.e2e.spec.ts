import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { TestApp } from '../support/test-app.js';
import { TestClock } from '../support/test-clock.js';
import { ADMIN_PASSWORD, anOperator, bearer, seenBodies, signIn, startIdentityApp, type IdentityClient } from './identity-fixture.js';

const MINUTE = 60_000;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('API tokens', () => {
  let t: TestApp;
  let api: IdentityClient;
  let admin: Record<string, string>;
  let operator: Awaited<ReturnType<typeof anOperator>>;
  let session: Record<string, string>;
  const clock = new TestClock();

  beforeAll(async () => {
    ({ t, api } = await startIdentityApp({ clock }));
    admin = await signIn(t, api, 'admin', ADMIN_PASSWORD);
    operator = await anOperator(api, admin, { roles: ['case_manager', 'supervisor'], kind: 'accredited' });
    session = await signIn(t, api, operator.username, operator.password);
  });
  afterAll(() => t.close());

  it("are shown once, stored as their sha256, and default to the creator's roles and offices", async () => {
    const created = await api.post('/tokens', { name: 'laptop' }, session);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'laptop',
      operatorId: operator.id,
      roles: ['case_manager', 'supervisor'],
      officeIds: [operator.officeId],
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
    });
    const token = created.body.token as string;
    expect(token).toMatch(/^pct_[\w-]{43}$/);
    const [row] = await t.dataSource.query<{ token_hash: string }[]>(`SELECT token_hash FROM api_tokens WHERE id = $1`, [created.body.id]);
    expect(row.token_hash).toBe(sha256(token));
    const stored = JSON.stringify(await t.dataSource.query(`SELECT * FROM api_tokens`));
    expect(stored).not.toContain(token);
    const list = await api.get('/tokens', session);
    expect(list.status).toBe(200);
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(token);
    expect(text).not.toContain(row.token_hash);
    expect(list.body.items.map((i: { id: string }) => i.id)).toContain(created.body.id);
    expect(list.body.items.every((i: Record<string, unknown>) => !('token' in i) && !('tokenHash' in i))).toBe(true);
  });

  it('authenticate as the operator, record their last use (at most once a minute)', async () => {
    const { token, id } = (await api.post('/tokens', { name: 'script' }, session)).body;
    const me = await api.get('/me', bearer(token));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      operator: { id: operator.id, username: operator.username },
      agency: { id: operator.agencyId, kind: 'accredited' },
      offices: [{ id: operator.officeId }],
      roles: ['case_manager', 'supervisor'],
      via: 'token',
    });
    const lastUsed = async () => (await api.get('/tokens', session)).body.items.find((i: { id: string }) => i.id === id).lastUsedAt;
    const first = await lastUsed();
    expect(first).toBe(clock.now().toISOString());
    clock.advance(10_000);
    await api.get('/me', bearer(token));
    expect(await lastUsed()).toBe(first);
    clock.advance(MINUTE);
    await api.get('/me', bearer(token));
    expect(await lastUsed()).toBe(clock.now().toISOString());
  });

  it('expire at expiresAt; an expiry in the past is refused', async () => {
    const expiresAt = new Date(clock.now().getTime() + 10 * MINUTE).toISOString();
    const { token } = (await api.post('/tokens', { name: 'short', expiresAt }, session)).body;
    expect((await api.get('/me', bearer(token))).status).toBe(200);
    clock.advance(10 * MINUTE);
    expect((await api.get('/me', bearer(token))).status).toBe(401);
    const past = await api.post('/tokens', { name: 'past', expiresAt: '2020-01-01T00:00:00Z' }, session);
    expect(past.status).toBe(400);
    expect(past.body.errors).toEqual([expect.objectContaining({ field: 'expiresAt' })]);
  });

  it('are revoked by DELETE /tokens/:id (only your own)', async () => {
    const { token, id } = (await api.post('/tokens', { name: 'to revoke' }, session)).body;
    const other = await signIn(t, api, 'admin', ADMIN_PASSWORD);
    expect((await api.delete(`/tokens/${id}`, other)).status).toBe(404);
    expect((await api.get('/me', bearer(token))).status).toBe(200);
    expect((await api.delete(`/tokens/${id}`, session)).status).toBe(204);
    expect((await api.get('/me', bearer(token))).status).toBe(401);
    const listed = (await api.get('/tokens', session)).body.items.find((i: { id: string }) => i.id === id);
    expect(listed.revokedAt).toBe(clock.now().toISOString());
    expect((await api.delete(`/tokens/${id}`, session)).status).toBe(204);
    expect((await api.delete('/tokens/00000000-0000-4000-8000-000000000000', session)).body.code).toBe('TOKEN_NOT_FOUND');
  });

  it("are never wider than their creator: more roles or offices are refused, a token's token no wider than it", async () => {
    const roles = await api.post('/tokens', { name: 'wider', roles: ['case_manager', 'admin'] }, session);
    expect(roles.status).toBe(403);
    expect(roles.body.detail).toContain('roles admin');
    const otherOffice = (await api.post('/admin/offices', { name: 'Altra sede', agencyId: operator.agencyId }, admin)).body.id;
    const offices = await api.post('/tokens', { name: 'wider', officeIds: [otherOffice] }, session);
    expect(offices.status).toBe(403);
    expect(offices.body.detail).toContain(`officeIds ${otherOffice}`);
    const narrow = await api.post('/tokens', { name: 'narrow', roles: ['case_manager'] }, session);
    expect(narrow.status).toBe(201);
    expect((await api.get('/me', bearer(narrow.body.token))).body.roles).toEqual(['case_manager']);
    const fromToken = await api.post('/tokens', { name: 'child', roles: ['supervisor'] }, bearer(narrow.body.token));
    expect(fromToken.status).toBe(403);
    const child = await api.post('/tokens', { name: 'child' }, bearer(narrow.body.token));
    expect(child.status).toBe(201);
    expect(child.body.roles).toEqual(['case_manager']);
  });

  it('narrow with their operator: a role taken away, or the operator disabled, is gone from the token too', async () => {
    const someone = await anOperator(api, admin, { roles: ['case_manager', 'trainer'] });
    const headers = await signIn(t, api, someone.username, someone.password);
    const { token } = (await api.post('/tokens', { name: 'kept' }, headers)).body;
    expect((await api.patch(`/admin/operators/${someone.id}`, { roles: ['trainer'] }, admin)).status).toBe(200);
    expect((await api.get('/me', bearer(token))).body.roles).toEqual(['trainer']);
    expect((await api.patch(`/admin/operators/${someone.id}`, { disabled: true }, admin)).status).toBe(200);
    expect((await api.get('/me', bearer(token))).status).toBe(401);
    expect((await api.get('/me', headers)).status).toBe(401);
  });

  it('for a service account, are issued by an admin within its roles', async () => {
    const service = await api.post(
      '/admin/operators',
      { username: 'crm.regione', name: 'CRM regionale', kind: 'service', roles: ['integration'], officeIds: [operator.officeId] },
      admin,
    );
    expect(service.status).toBe(201);
    expect(service.body.hasPassword).toBe(false);
    const wider = await api.post(`/admin/operators/${service.body.id}/tokens`, { name: 'crm', roles: ['admin'] }, admin);
    expect(wider.status).toBe(403);
    const issued = await api.post(`/admin/operators/${service.body.id}/tokens`, { name: 'crm' }, admin);
    expect(issued.status).toBe(201);
    const me = await api.get('/me', bearer(issued.body.token));
    expect(me.body).toMatchObject({ operator: { username: 'crm.regione', kind: 'service' }, roles: ['integration'], via: 'token' });
    const withPassword = await api.post(
      '/admin/operators',
      { username: 'crm.2', name: 'x', kind: 'service', password: 'a-long-enough-password' },
      admin,
    );
    expect(withPassword.status).toBe(400);
  });

  it('refuse bad bodies by field, and write nothing', async () => {
    const before = await t.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM api_tokens`);
    for (const body of [
      {},
      { name: '' },
      { name: 'x', roles: ['boss'] },
      { name: 'x', officeIds: ['nope'] },
      { name: 'x', extra: 1 },
      [],
    ]) {
      const response = await api.post('/tokens', body, session);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
    }
    expect(await t.dataSource.query(`SELECT count(*)::int AS n FROM api_tokens`)).toEqual(before);
  });

  it('need authentication', async () => {
    for (const [method, path] of [
      ['GET', '/tokens'],
      ['POST', '/tokens'],
      ['DELETE', '/tokens/00000000-0000-4000-8000-000000000000'],
    ]) {
      const response = await api.call(method, path, method === 'POST' ? { name: 'x' } : undefined);
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('UNAUTHENTICATED');
    }
  });

  it('never show a password hash', () => {
    expect(JSON.stringify(seenBodies)).not.toMatch(/argon2|passwordHash|password_hash/);
  });
});
