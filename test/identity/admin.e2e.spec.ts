import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestApp } from '../support/test-app.js';
import { ADMIN_PASSWORD, anOperator, bearer, seenBodies, signIn, startIdentityApp, type IdentityClient } from './identity-fixture.js';

describe('the admin registry: agencies, offices, operators', () => {
  let t: TestApp;
  let api: IdentityClient;
  let admin: Record<string, string>;

  beforeAll(async () => {
    ({ t, api } = await startIdentityApp());
    admin = await signIn(t, api, 'admin', ADMIN_PASSWORD);
  });
  afterAll(() => t.close());

  it('creates, lists, reads and changes agencies', async () => {
    const created = await api.post('/admin/agencies', { name: 'CPI di Bologna', kind: 'cpi' }, admin);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), name: 'CPI di Bologna', kind: 'cpi', createdAt: expect.any(String) });
    expect((await api.get('/admin/agencies', admin)).body.items).toContainEqual(created.body);
    expect((await api.get(`/admin/agencies/${created.body.id}`, admin)).body).toEqual(created.body);
    const changed = await api.patch(`/admin/agencies/${created.body.id}`, { name: 'CPI Bologna centro' }, admin);
    expect(changed.body).toEqual({ ...created.body, name: 'CPI Bologna centro' });
    expect((await api.post('/admin/agencies', { name: 'x', kind: 'boss' }, admin)).status).toBe(400);
    expect((await api.get('/admin/agencies/00000000-0000-4000-8000-000000000000', admin)).body.code).toBe('AGENCY_NOT_FOUND');
  });

  it('creates offices and sets which offices one supervises (a CPI over the accredited offices of its territory)', async () => {
    const cpi = (await api.post('/admin/agencies', { name: 'CPI Modena', kind: 'cpi' }, admin)).body;
    const accredited = (await api.post('/admin/agencies', { name: 'Agenzia Lavoro Srl', kind: 'accredited' }, admin)).body;
    const cpiOffice = (await api.post('/admin/offices', { name: 'CPI Modena sede', agencyId: cpi.id }, admin)).body;
    const agencyOffice = await api.post('/admin/offices', { name: 'Agenzia Modena', agencyId: accredited.id }, admin);
    expect(agencyOffice.status).toBe(201);
    expect(agencyOffice.body).toMatchObject({ agencyId: accredited.id, supervisesOfficeIds: [] });
    const supervising = await api.patch(`/admin/offices/${cpiOffice.id}`, { supervisesOfficeIds: [agencyOffice.body.id] }, admin);
    expect(supervising.status).toBe(200);
    expect(supervising.body.supervisesOfficeIds).toEqual([agencyOffice.body.id]);
    expect((await api.get(`/admin/offices/${cpiOffice.id}`, admin)).body.supervisesOfficeIds).toEqual([agencyOffice.body.id]);
    const self = await api.patch(`/admin/offices/${cpiOffice.id}`, { supervisesOfficeIds: [cpiOffice.id] }, admin);
    expect(self.status).toBe(400);
    const unknown = await api.patch(
      `/admin/offices/${cpiOffice.id}`,
      { supervisesOfficeIds: ['00000000-0000-4000-8000-000000000000'] },
      admin,
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].field).toBe('supervisesOfficeIds');
    expect((await api.get(`/admin/offices/${cpiOffice.id}`, admin)).body.supervisesOfficeIds).toEqual([agencyOffice.body.id]);
    const noAgency = await api.post('/admin/offices', { name: 'x', agencyId: '00000000-0000-4000-8000-000000000000' }, admin);
    expect(noAgency.status).toBe(400);
    expect(noAgency.body.errors[0].field).toBe('agencyId');
    expect((await api.get('/admin/offices', admin)).body.items.map((o: { id: string }) => o.id)).toContain(cpiOffice.id);
  });

  it('creates operators: usernames unique whatever the case, offices of one agency, never the password hash', async () => {
    const operator = await anOperator(api, admin, { roles: ['case_manager'] });
    const shown = await api.get(`/admin/operators/${operator.id}`, admin);
    expect(shown.body).toEqual({
      id: operator.id,
      username: operator.username,
      name: 'Maria Rossi',
      kind: 'person',
      roles: ['case_manager'],
      officeIds: [operator.officeId],
      hasPassword: true,
      disabledAt: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const taken = await api.post('/admin/operators', { username: operator.username.toUpperCase(), name: 'x' }, admin);
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('USERNAME_TAKEN');
    const other = await anOperator(api, admin, { roles: ['case_manager'] });
    const twoAgencies = await api.patch(`/admin/operators/${operator.id}`, { officeIds: [operator.officeId, other.officeId] }, admin);
    expect(twoAgencies.status).toBe(400);
    expect(twoAgencies.body.errors[0].field).toBe('officeIds');
    const short = await api.post('/admin/operators', { username: 'shorty', name: 'x', password: 'short' }, admin);
    expect(short.status).toBe(400);
    expect(short.body.errors[0].field).toBe('password');
    expect((await api.get('/admin/operators', admin)).body.items.length).toBeGreaterThanOrEqual(3);
  });

  it("changes an operator's password: the old one stops working, their sessions end", async () => {
    const operator = await anOperator(api, admin, { roles: ['analyst'] });
    const headers = await signIn(t, api, operator.username, operator.password);
    const changed = await api.patch(`/admin/operators/${operator.id}`, { password: 'another-long-password' }, admin);
    expect(changed.status).toBe(200);
    expect((await api.get('/me', headers)).status).toBe(401);
    expect((await api.post('/auth/login', { username: operator.username, password: operator.password })).status).toBe(401);
    await signIn(t, api, operator.username, 'another-long-password');
  });

  it('is for the admin role only: 403 for every other role, 401 without credentials', async () => {
    for (const role of ['case_manager', 'supervisor', 'trainer', 'analyst', 'integration']) {
      const operator = await anOperator(api, admin, { roles: [role] });
      const headers = await signIn(t, api, operator.username, operator.password);
      const token = (await api.post('/tokens', { name: 'probe' }, headers)).body.token;
      for (const credentials of [headers, bearer(token)]) {
        for (const [method, path, body] of [
          ['GET', '/admin/operators', undefined],
          ['POST', '/admin/agencies', { name: 'x', kind: 'cpi' }],
          ['PATCH', `/admin/operators/${operator.id}`, { roles: ['admin'] }],
        ] as const) {
          const response = await api.call(method, path, body, credentials);
          expect({ role, method, path, status: response.status, code: response.body.code }).toEqual({
            role,
            method,
            path,
            status: 403,
            code: 'FORBIDDEN',
          });
        }
      }
    }
    const anonymous = await api.get('/admin/agencies');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="percorsi"');
  });

  it('keeps an enabled admin: the last one cannot lose the role or be disabled', async () => {
    const me = (await api.get('/me', admin)).body.operator.id as string;
    for (const change of [{ roles: ['case_manager'] }, { disabled: true }]) {
      const refused = await api.patch(`/admin/operators/${me}`, change, admin);
      expect(refused.status).toBe(403);
      expect(refused.body.detail).toMatch(/last enabled admin|ultimo amministratore/);
    }
    const second = await api.post('/admin/operators', { username: 'second.admin', name: 'Vice', roles: ['admin'] }, admin);
    expect(second.status).toBe(201);
    expect((await api.patch(`/admin/operators/${second.body.id}`, { disabled: true }, admin)).status).toBe(200);
    expect((await api.patch(`/admin/operators/${me}`, { disabled: true }, admin)).status).toBe(403);
  });

  it('never shows a password hash', () => {
    expect(seenBodies.length).toBeGreaterThan(20);
    expect(JSON.stringify(seenBodies)).not.toMatch(/argon2|passwordHash|password_hash/);
  });
});
