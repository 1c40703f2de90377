import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { lastValueFrom, of, defer } from 'rxjs';
import { AccessLog } from '../../src/access/access-log.js';
import { AuditCaseReadInterceptor, routePattern } from '../../src/access/audit-read.js';
import { CaseStreamController } from '../../src/cases/case-stream.controller.js';
import { CasesController } from '../../src/cases/cases.controller.js';
import { ADMIN_PASSWORD, anOperator, bearer, signIn, startIdentityApp, type IdentityClient } from '../identity/identity-fixture.js';
import type { TestApp } from '../support/test-app.js';
import { TestClock } from '../support/test-clock.js';
import { taxCode } from '../support/subjects.js';

const CASE_A = '0a000000-0000-4000-8000-00000000000a';
const CASE_B = '0b000000-0000-4000-8000-00000000000b';

describe('the access log (issue 14, accountability)', () => {
  const clock = new TestClock(new Date('2026-03-01T09:00:00.000Z'));
  let t: TestApp;
  let api: IdentityClient;
  let admin: Record<string, string>;
  let log: AccessLog;
  let reader: { id: string; username: string; token: string; officeId: string };
  let other: { id: string; username: string };
  let adminId: string;

  beforeAll(async () => {
    ({ t, api } = await startIdentityApp({ clock }));
    admin = await signIn(t, api, 'admin', ADMIN_PASSWORD);
    log = t.app.get(AccessLog);
    const operator = await anOperator(api, admin, { roles: ['case_manager'] });
    const token = await api.post(`/admin/operators/${operator.id}/tokens`, { name: 'reader' }, admin);
    expect(token.status).toBe(201);
    reader = { id: operator.id, username: operator.username, token: token.body.token, officeId: operator.officeId };
    other = await anOperator(api, admin, { roles: ['case_manager'], officeId: operator.officeId });
    adminId = (await api.get('/me', admin)).body.operator.id;
    // A token, not the session: the clock moves by weeks here, past a session's lifetime.
    admin = bearer((await api.post(`/admin/operators/${adminId}/tokens`, { name: 'audit' }, admin)).body.token);
  });
  afterAll(() => t.close());

  const read = (operatorId: string, caseId: string, route: string, minutes: number) => {
    clock.advance(minutes * 60_000);
    return log.record({ operatorId, via: 'token', caseId, route, requestId: `req-${minutes}-${route}` });
  };

  it('records reads and answers the admin by case and by operator, newest first', async () => {
    await read(reader.id, CASE_A, 'GET /cases/:id', 1);
    await read(reader.id, CASE_B, 'GET /cases/:id/history', 1);
    await read(other.id, CASE_A, 'GET /cases/:id/stream', 1);
    const byCase = await api.get(`/admin/access-log?caseId=${CASE_A.toUpperCase()}`, admin);
    expect(byCase.status).toBe(200);
    expect(byCase.body).toEqual({
      items: [
        {
          id: expect.any(String),
          at: '2026-03-01T09:03:00.000Z',
          operator: { id: other.id, username: other.username },
          via: 'token',
          caseId: CASE_A,
          route: 'GET /cases/:id/stream',
          requestId: 'req-1-GET /cases/:id/stream',
        },
        expect.objectContaining({ at: '2026-03-01T09:01:00.000Z', operator: { id: reader.id, username: reader.username }, caseId: CASE_A }),
      ],
      nextCursor: null,
    });
    const byOperator = await api.get(`/admin/access-log?operatorId=${reader.id}`, admin);
    expect(byOperator.body.items.map((i: { caseId: string }) => i.caseId)).toEqual([CASE_B, CASE_A]);
    const both = await api.get(`/admin/access-log?operatorId=${reader.id}&caseId=${CASE_B}`, admin);
    expect(both.body.items.map((i: { route: string }) => i.route)).toEqual(['GET /cases/:id/history']);
  });

  it('filters by time (from inclusive, to exclusive) and pages with a cursor, even within one millisecond', async () => {
    clock.set('2026-04-01T00:00:00.000Z');
    // Five reads at the same instant: the id breaks the tie, no item is lost or repeated between pages.
    for (let i = 0; i < 5; i++)
      await log.record({ operatorId: adminId, via: 'session', caseId: CASE_B, route: 'GET /cases/:id', requestId: null });
    clock.advance(1000);
    await log.record({ operatorId: adminId, via: 'oidc', caseId: CASE_B, route: 'GET /cases/:id/replay', requestId: null });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await api.get(`/admin/access-log?operatorId=${adminId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, admin);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((i: { id: string }) => i.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(6);
    const first = await api.get(`/admin/access-log?operatorId=${adminId}&limit=1`, admin);
    expect(first.body.items[0]).toMatchObject({ via: 'oidc', route: 'GET /cases/:id/replay' });
    const window = async (query: string) => (await api.get(`/admin/access-log?${query}`, admin)).body.items.length;
    expect(await window('from=2026-04-01T00:00:00Z')).toBe(6);
    expect(await window('from=2026-04-01T00:00:00.001Z')).toBe(1);
    expect(await window('from=2026-03-01&to=2026-04-01T00:00:00Z')).toBe(3);
    expect(await window('to=2026-03-01T09:02:00%2B00:00')).toBe(1);
  });

  it('refuses bad filters by field, and unknown parameters (400)', async () => {
    const bad = await api.get(
      '/admin/access-log?caseId=nope&operatorId=1&from=yesterday&to=2026-02-30&limit=0&cursor=abc&subject=X',
      admin,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(bad.body.errors.map((e: { field: string; problem: string }) => `${e.field} ${e.problem}`).sort()).toEqual([
      'query:caseId format',
      'query:cursor format',
      'query:from format',
      'query:limit range',
      'query:operatorId format',
      'query:subject unknown',
      'query:to format',
    ]);
    expect((await api.get('/admin/access-log?limit=201', admin)).status).toBe(400);
    expect((await api.get('/admin/access-log?caseId=a&caseId=b', admin)).body.errors).toEqual([
      expect.objectContaining({ field: 'query:caseId', problem: 'type' }),
    ]);
  });

  it('is for admins only: 401 without credentials, 403 for other roles', async () => {
    expect((await api.get('/admin/access-log')).status).toBe(401);
    const forbidden = await api.get('/admin/access-log', bearer(reader.token));
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('FORBIDDEN');
  });

  it('fails a record it cannot attribute (an unknown operator): the caller fails closed', async () => {
    await expect(
      log.record({
        operatorId: '00000000-0000-4000-8000-000000000000',
        via: 'token',
        caseId: CASE_A,
        route: 'GET /cases/:id',
        requestId: null,
      }),
    ).rejects.toThrow(/FK_access_log_operator/);
  });

  it('tells real cases in reach from practice cases, cases out of reach and ids of no case', async () => {
    const access = { officeIds: [reader.officeId], ownOfficeIds: [reader.officeId], practice: true, observedOfficeIds: [] };
    const open = async (practice: boolean) => {
      const created = await api.post('/cases', { pathway: 'person', subject: taxCode(), practice }, bearer(reader.token));
      expect(created.status).toBe(201);
      return created.body.id as string;
    };
    const real = await open(false);
    const entry = (caseId: string) => ({ operatorId: reader.id, via: 'token' as const, caseId, route: 'GET /cases/:id', requestId: null });
    expect(await log.recordRead(entry(real), access)).toBe(true);
    expect(await log.recordRead(entry(await open(true)), access)).toBe(false);
    expect(await log.recordRead(entry(CASE_A), access)).toBe(false);
    expect(await log.recordRead(entry(real), { officeIds: [], ownOfficeIds: [], practice: true, observedOfficeIds: [] })).toBe(false);
    expect(
      await log.recordRead(entry(real), {
        officeIds: ['0d000000-0000-4000-8000-00000000000d'],
        ownOfficeIds: [],
        practice: true,
        observedOfficeIds: [],
      }),
    ).toBe(false);
    // An observer (a trainer) reads the real cases of its offices masked: a read all the same.
    const observer = { officeIds: [], ownOfficeIds: [], practice: true, observedOfficeIds: [reader.officeId] };
    expect(await log.recordRead(entry(real), observer)).toBe(true);
    expect((await api.get(`/admin/access-log?caseId=${real}`, admin)).body.items).toHaveLength(2);
  });

  it('records the reads of the case routes, end to end: a real case in reach only', async () => {
    const reading = bearer(reader.token);
    const real = (await api.post('/cases', { pathway: 'person', subject: taxCode() }, reading)).body.id as string;
    const practice = (await api.post('/cases', { pathway: 'person', subject: taxCode(), practice: true }, reading)).body.id as string;
    for (const path of ['', '/history', '/transitions', '/replay']) {
      expect((await api.get(`/cases/${real}${path}`, reading)).status).toBe(200);
      expect((await api.get(`/cases/${practice}${path}`, reading)).status).toBe(200);
    }
    // An operator of another office: 404, and nothing read, nothing recorded.
    const stranger = await anOperator(api, admin, { roles: ['case_manager'] });
    const strangerToken = (await api.post(`/admin/operators/${stranger.id}/tokens`, { name: 'stranger' }, admin)).body.token as string;
    expect((await api.get(`/cases/${real}`, bearer(strangerToken))).status).toBe(404);
    const records = (await api.get(`/admin/access-log?caseId=${real}`, admin)).body.items as { route: string; operator: { id: string } }[];
    expect(records.map((r) => r.route).sort()).toEqual([
      'GET /cases/:id',
      'GET /cases/:id/history',
      'GET /cases/:id/replay',
      'GET /cases/:id/transitions',
    ]);
    expect(new Set(records.map((r) => r.operator.id))).toEqual(new Set([reader.id]));
    expect((await api.get(`/admin/access-log?caseId=${practice}`, admin)).body.items).toEqual([]);
  });

  it('names routes by their pattern, from the controllers’ metadata (never the URL)', () => {
    const pattern = (controller: { prototype: object }, name: string) =>
      routePattern(
        new ExecutionContextHost(
          [{ method: 'GET' }, {}],
          controller as never,
          (controller.prototype as Record<string, () => unknown>)[name],
        ),
      );
    expect(pattern(CasesController, 'history')).toBe('GET /cases/:id/history');
    expect(pattern(CasesController, 'get')).toBe('GET /cases/:id');
    expect(pattern(CaseStreamController, 'stream')).toBe('GET /cases/:id/stream');
  });

  describe('@AuditCaseRead, around a handler (the case routes wire it)', () => {
    let realCase: string;
    let practiceCase: string;
    const principal = (operatorId = reader.id) => ({ operator: { id: operatorId }, via: 'token' });
    const around = (args: { id: string; handler?: () => unknown; withPrincipal?: boolean; operatorId?: string }) => {
      const interceptor = new AuditCaseReadInterceptor(log);
      const request = {
        method: 'GET',
        params: { id: args.id },
        id: 'req-audit',
        principal: args.withPrincipal === false ? undefined : principal(args.operatorId),
        caseAccess: { officeIds: [reader.officeId], ownOfficeIds: [reader.officeId], practice: true, observedOfficeIds: [] },
      };
      const context = new ExecutionContextHost(
        [request, {}],
        CasesController,
        (CasesController.prototype as unknown as Record<string, () => unknown>).history,
      );
      return lastValueFrom(interceptor.intercept(context, { handle: () => defer(() => of(args.handler ? args.handler() : { ok: true })) }));
    };
    const reads = async (caseId: string) =>
      (await api.get(`/admin/access-log?caseId=${caseId}`, admin)).body.items as { route: string; requestId: string }[];

    beforeAll(async () => {
      const open = async (practice: boolean) =>
        (await api.post('/cases', { pathway: 'person', subject: taxCode(), practice }, bearer(reader.token))).body.id as string;
      realCase = await open(false);
      practiceCase = await open(true);
    });

    it('records a successful read of a real case, by route pattern and request id', async () => {
      expect(await around({ id: realCase.toUpperCase() })).toEqual({ ok: true });
      expect(await reads(realCase)).toEqual([expect.objectContaining({ route: 'GET /cases/:id/history', requestId: 'req-audit' })]);
    });

    it('records nothing for a practice case, a missing case, a malformed id or a failed handler', async () => {
      await around({ id: practiceCase });
      await around({ id: '0c000000-0000-4000-8000-00000000000c' });
      await around({ id: 'not-a-case' });
      await expect(
        around({
          id: realCase,
          handler: () => {
            throw new Error('CASE_NOT_FOUND');
          },
        }),
      ).rejects.toThrow('CASE_NOT_FOUND');
      expect(await reads(practiceCase)).toEqual([]);
      expect(await reads('0c000000-0000-4000-8000-00000000000c')).toEqual([]);
      expect(await reads(realCase)).toHaveLength(1);
    });

    it('records a live stream once it opens, and nothing for a refused one', async () => {
      const stream = async (query: string) => {
        const controller = new AbortController();
        const response = await fetch(`${t.url}/cases/${realCase}/stream${query}`, {
          headers: bearer(reader.token),
          signal: controller.signal,
        });
        controller.abort();
        return response.status;
      };
      expect(await stream('')).toBe(200);
      expect((await reads(realCase)).map((r) => r.route)).toContain('GET /cases/:id/stream');
      const before = (await reads(realCase)).length;
      expect(await stream('?lastEventId=x')).toBe(400);
      expect(await reads(realCase)).toHaveLength(before);
    });

    it('fails closed: without a principal, or when the record cannot be written, the read fails and the answer is not returned', async () => {
      await expect(around({ id: realCase, withPrincipal: false })).rejects.toThrow(/access log could not record/);
      // An operator the database does not know: the insert fails (its foreign key), so does the read.
      await expect(around({ id: realCase, operatorId: '00000000-0000-4000-8000-000000000000' })).rejects.toThrow(
        /access log could not record/,
      );
    });
  });
});
