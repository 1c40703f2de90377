import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { client, startTestApp, type Client, type TestApp, type TestOperator } from '../support/test-app.js';
import { taxCode, vatNumber } from '../support/subjects.js';

/** Issue 11, item 5: subjects validated as tax codes or partite IVA; one open case per subject, pathway and agency. */
describe('case subjects', () => {
  let t: TestApp;
  let api: Client;
  /** A case manager of another office of the test operator's agency. */
  let sameAgency: TestOperator;
  /** A case manager and supervisor of another agency. */
  let otherAgency: TestOperator;

  beforeAll(async () => {
    t = await startTestApp();
    api = client(t.url);
    const admin = client(t.url, t.admin, { anonymous: true });
    const office = await admin.post('/admin/offices', { name: 'Sede due', agencyId: t.operator.agencyId });
    expect(office.status).toBe(201);
    sameAgency = await t.newOperator({ officeId: office.body.id, roles: ['case_manager'] });
    otherAgency = await t.newOperator();
  });
  afterAll(() => t.close());

  const expectAlreadyOpen = (res: { status: number; body: any }, open: { id: string; officeId: string }) => {
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      code: 'CASE_ALREADY_OPEN',
      openCaseId: open.id,
      officeId: open.officeId,
      openCase: `/cases/${open.id}`,
    });
  };

  it('refuses a subject that is no tax code or partita IVA with a 400 that says what is wrong, and records nothing', async () => {
    const before = await t.counts();
    for (const [pathway, subject, message] of [
      ['person', 'RSSMRA80A01H501V', 'the check character does not match'],
      ['person', 'RSSMRA80A01H50', 'a tax code has 16 characters, this one has 14'],
      ['person', '12345678903', 'a tax code has 16 characters, this one has 11'],
      ['employer', '12345678904', 'the check digit does not match'],
      ['employer', 'IT12345678903', 'a partita IVA has 11 digits, a tax code 16 characters: this one has 13'],
    ]) {
      const res = await api.post('/cases', { pathway, subject }, { 'accept-language': 'en' });
      expect([res.status, res.body.code, res.body.errors]).toEqual([
        400,
        'VALIDATION_FAILED',
        [{ field: 'subject', problem: 'format', message }],
      ]);
      const it = await api.post('/cases', { pathway, subject }, { 'accept-language': 'it' });
      expect(it.body.errors[0].message).not.toBe(message);
    }
    // Practice cases too.
    expect((await api.post('/cases', { pathway: 'person', subject: 'PROVA-1', practice: true })).status).toBe(400);
    expect(await t.counts()).toEqual(before);
  });

  it('stores the subject normalised, accepts a company with a tax code, and finds it whatever the case and spaces', async () => {
    const code = taxCode();
    const spaced = `  ${code.slice(0, 6).toLowerCase()} ${code.slice(6).toLowerCase()} `;
    const opened = await api.post('/cases', { pathway: 'person', subject: spaced });
    expect([opened.status, opened.body.subject]).toEqual([201, code]);
    const soleTrader = await api.post('/cases', { pathway: 'employer', subject: code.toLowerCase() });
    expect([soleTrader.status, soleTrader.body.subject]).toEqual([201, code]);
    const found = await api.get(`/cases?pathway=person&subject=${encodeURIComponent(spaced)}`);
    expect(found.body.items.map((c: { id: string }) => c.id)).toEqual([opened.body.id]);
  });

  it('refuses a second open case of the pathway for the subject in the same agency, even from another office', async () => {
    const subject = taxCode();
    const first = (await api.post('/cases', { pathway: 'person', subject })).body;
    const before = await t.counts();
    expectAlreadyOpen(await client(t.url, sameAgency.headers).post('/cases', { pathway: 'person', subject }), first);
    expectAlreadyOpen(await api.post('/cases', { pathway: 'person', subject: subject.toLowerCase() }), first);
    expect(await t.counts()).toEqual(before);
    // Another pathway, another agency, a practice case: allowed.
    expect((await api.post('/cases', { pathway: 'employer', subject })).status).toBe(201);
    expect((await client(t.url, otherAgency.headers).post('/cases', { pathway: 'person', subject })).status).toBe(201);
    expect((await api.post('/cases', { pathway: 'person', subject, practice: true })).status).toBe(201);
    expect((await api.post('/cases', { pathway: 'person', subject, practice: true })).status).toBe(201);
  });

  it('counts an open case stored before subjects were normalised (lower case)', async () => {
    const subject = taxCode();
    const first = (await api.post('/cases', { pathway: 'person', subject })).body;
    await t.dataSource.query('UPDATE cases SET subject = lower(subject) WHERE id = $1', [first.id]);
    expectAlreadyOpen(await api.post('/cases', { pathway: 'person', subject }), first);
  });

  it('allows a new case once the open one is closed', async () => {
    const subject = taxCode();
    const first = (await api.post('/cases', { pathway: 'person', subject })).body;
    const closed = await api.post(`/cases/${first.id}/events`, { type: 'WITHDRAWN', reason: 'Moved abroad' });
    expect([closed.status, closed.body.case.status]).toEqual([200, 'done']);
    expect((await api.post('/cases', { pathway: 'person', subject })).status).toBe(201);
  });

  it('opens exactly one of 10 concurrent cases for the same subject', async () => {
    const subject = vatNumber();
    const before = await t.counts();
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        client(t.url, i % 2 === 0 ? t.operator.headers : sameAgency.headers).post('/cases', { pathway: 'employer', subject }),
      ),
    );
    const opened = answers.filter((a) => a.status === 201);
    expect(answers.map((a) => a.status).sort()).toEqual([201, ...Array(9).fill(409)]);
    for (const refused of answers.filter((a) => a.status === 409)) expectAlreadyOpen(refused, opened[0].body);
    expect(await t.counts()).toMatchObject({ cases: before.cases + 1, events: before.events + 1 });
  });

  it('refuses to transfer a case into an agency where the subject has an open case of the pathway', async () => {
    const subject = taxCode();
    const there = (await client(t.url, otherAgency.headers).post('/cases', { pathway: 'person', subject })).body;
    const here = (await api.post('/cases', { pathway: 'person', subject })).body;
    expectAlreadyOpen(await api.post(`/cases/${here.id}/transfer`, { officeId: otherAgency.officeId, reason: 'Moved' }), there);
    expect((await api.get(`/cases/${here.id}`)).body).toMatchObject({ officeId: t.operator.officeId, version: 1 });
    // Within the agency, and once the other agency's case is closed, it moves.
    const closed = await client(t.url, otherAgency.headers).post(`/cases/${there.id}/events`, { type: 'WITHDRAWN', reason: 'Gone' });
    expect(closed.status).toBe(200);
    const moved = await api.post(`/cases/${here.id}/transfer`, { officeId: otherAgency.officeId, reason: 'Moved' });
    expect([moved.status, moved.body.case.officeId]).toEqual([200, otherAgency.officeId]);
  });
});
