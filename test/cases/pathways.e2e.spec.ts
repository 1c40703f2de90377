import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ACT_DATE, EMPLOYER_STAGES, PERSON_STAGES } from '../../machines/testing/case-factory.js';
import { client, startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { taxCode, vatNumber } from '../support/subjects.js';

/** The factory's stages as HTTP bodies: acts dated as the machine tests date them. */
const bodies = (stages: Record<string, { type: string; at?: string }[]>) =>
  Object.values(stages)
    .flat()
    .map((e) => ({ at: ACT_DATE, ...e }));

describe('a case over HTTP, from opening to outcome', () => {
  let t: TestApp;
  let api: Client;

  beforeAll(async () => {
    t = await startTestApp();
    api = client(t.url);
  });
  afterAll(() => t.close());

  async function walk(caseId: string, events: Record<string, unknown>[]) {
    let version = 1;
    for (const event of events) {
      const res = await api.post(`/cases/${caseId}/events`, event, { 'If-Match': `"${version}"` });
      expect({ type: event.type, status: res.status, body: res.status === 200 ? null : res.body }).toEqual({
        type: event.type,
        status: 200,
        body: null,
      });
      version += 1;
      expect(res.headers.get('etag')).toBe(`"${version}"`);
      expect(res.body.event).toMatchObject({ sequence: version, type: event.type });
      expect(res.body.case.version).toBe(version);
    }
    return version;
  }

  it('takes a person from A.1 information to hired, and keeps every step in the history', async () => {
    const opened = await api.post('/cases', { pathway: 'person', subject: 'RSSMRA80A01H501U' });
    expect(opened.status).toBe(201);
    expect(opened.headers.get('location')).toBe(`/cases/${opened.body.id}`);
    expect(opened.headers.get('etag')).toBe('"1"');
    expect(opened.body).toMatchObject({
      pathway: 'person',
      status: 'active',
      version: 1,
      services: { A1: 'not_started', A2: 'not_started' },
    });
    const id = opened.body.id as string;

    const events = [
      { type: 'INFORMATION_GIVEN', referral: 'A2', at: '2026-08-28' },
      ...bodies(PERSON_STAGES),
      { type: 'HIRED', contractType: 'permanent', contractStartDate: '2026-12-01', at: ACT_DATE },
    ];
    const last = await walk(id, events);

    const read = await api.get(`/cases/${id}`);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe(`"${last}"`);
    expect(read.body).toMatchObject({ status: 'done', version: last, services: { A1: 'completed', A2: 'completed', A3: 'completed' } });
    expect(read.body.state).toBe('placed');

    const history = await api.get(`/cases/${id}/history`);
    expect(history.body.events.map((e: { sequence: number }) => e.sequence)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    expect(history.body.events.map((e: { type: string }) => e.type)).toEqual(['CASE_OPENED', ...events.map((e) => e.type)]);
    expect(history.body.events[1]).toMatchObject({
      actor: { id: t.operator.id, username: t.operator.username, kind: 'cpi', via: 'token' },
      payload: { type: 'INFORMATION_GIVEN', operator: { id: t.operator.id, kind: 'cpi' }, at: '2026-08-28' },
      occurredAt: '2026-08-28T00:00:00.000Z',
    });

    // A closed case refuses everything, and says why.
    const after = await api.post(
      `/cases/${id}/events`,
      { type: 'GUIDANCE_SESSION_HELD', mode: 'individual', minutes: 60 },
      { 'Accept-Language': 'en' },
    );
    expect(after.status).toBe(409);
    expect(after.body).toMatchObject({ code: 'TRANSITION_NOT_ALLOWED', kind: 'case_closed', reasons: [{ code: 'CASE_CLOSED' }] });
  });

  it('takes an employer from scouting to a candidate hired', async () => {
    const opened = await api.post('/cases', { pathway: 'employer', subject: vatNumber() });
    expect(opened.status).toBe(201);
    const events = [
      ...bodies(EMPLOYER_STAGES),
      { type: 'EMPLOYER_FEEDBACK_RECORDED', vacancyId: 'V-1', feedback: 'Good candidate', at: ACT_DATE },
      { type: 'CANDIDATE_HIRED', vacancyId: 'V-1', personCaseId: 'P-1', at: ACT_DATE },
    ];
    const last = await walk(opened.body.id, events);
    const read = await api.get(`/cases/${opened.body.id}`);
    expect(read.body).toMatchObject({ version: last, services: { B1: 'completed', B2: 'completed', B4: expect.any(String) } });
    expect(read.body.deadlines).toBeUndefined();
  });

  it('lists cases by pathway, status, state, service status and office, a page at a time', async () => {
    // An operator of an office of their own: the office's cases are exactly the ones opened here.
    const operator = await t.newOperator();
    const own = client(t.url, operator.headers);
    const ids: string[] = [];
    const subjects = [taxCode(), taxCode(), taxCode(), vatNumber(), vatNumber()];
    for (let i = 0; i < 5; i++)
      ids.push((await own.post('/cases', { pathway: i < 3 ? 'person' : 'employer', subject: subjects[i] })).body.id);
    await own.post(`/cases/${ids[0]}/events`, { type: 'INTAKE_SESSION_HELD', mode: 'individual', minutes: 30 });

    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await own.get(`/cases?officeId=${operator.officeId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      all.push(...page.body.items.map((c: { id: string; officeId: string }) => c.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(all).toEqual([...ids].reverse());

    const q = (query: string) => own.get(`/cases?${query}`).then((r) => r.body.items.map((c: { id: string }) => c.id));
    expect(await q('pathway=employer')).toEqual([ids[4], ids[3]]);
    expect(await q('service=A2&serviceStatus=active')).toEqual([ids[0]]);
    expect(await q('state=open.A2.active')).toEqual([ids[0]]);
    expect((await q('status=done')).length).toBe(0);
    expect(await q(`subject=${subjects[1]}`)).toEqual([ids[1]]);
    // The cases they opened are theirs: scope=mine lists them too.
    expect(await q('scope=mine')).toEqual([...ids].reverse());
    // The default operator's office is another one: none of these there.
    expect(await q(`officeId=${t.operator.officeId}`)).toEqual([]);
  });

  it('matches the subject whatever the letter case and spaces, and only the whole value', async () => {
    const subject = taxCode();
    const mine = (await api.post('/cases', { pathway: 'person', subject })).body.id;
    const other = taxCode();
    const theirs = (await api.post('/cases', { pathway: 'person', subject: other })).body.id;
    const ids = (query: string) => api.get(`/cases?${query}`).then((r) => r.body.items.map((c: { id: string }) => c.id));
    const spaced = ` ${subject.slice(0, 6)} ${subject.slice(6, 11)} ${subject.slice(11)} `.toLowerCase();
    for (const value of [subject, subject.toLowerCase(), spaced]) expect(await ids(`subject=${encodeURIComponent(value)}`)).toEqual([mine]);
    expect(await ids(`subject=${encodeURIComponent(other.toLowerCase())}&officeId=${t.operator.officeId}`)).toEqual([theirs]);
    expect(await ids(`subject=${encodeURIComponent(subject.slice(0, -1))}`)).toEqual([]);
  });

  it('describes the pathways, its health and its API', async () => {
    const list = await api.get('/pathways');
    expect(list.body.items.map((p: { name: string }) => p.name)).toEqual(['person', 'employer']);
    const person = await api.get('/pathways/person');
    expect(person.body).toMatchObject({ name: 'person', version: expect.any(String), fingerprint: expect.any(String) });
    expect(person.body.events.length).toBeGreaterThan(10);
    // Each service carries the standard's words on it, and each guard its rule in plain words.
    const a4 = person.body.services.find((s: { key: string }) => s.key === 'A4');
    expect(a4.about).toMatchObject({
      purpose: { it: expect.stringMatching(/obiettivo professionale/), en: expect.stringMatching(/professional goal/) },
      deliveredBy: { it: expect.stringMatching(/CPI/), en: expect.stringMatching(/accredited/) },
      duration: {
        it: 'Incontri individuali (almeno 2): almeno 1 ora ciascuno.',
        en: 'Individual meetings (at least 2): at least 1 hour each.',
      },
      access: { it: expect.stringMatching(/fabbisogno/), en: expect.stringMatching(/need/) },
    });
    expect(a4.about.outputs.length).toBeGreaterThan(0);
    expect(person.body.guards.find((g: { name: string }) => g.name === 'pattoSigned').label).toEqual({
      it: 'Patto di Servizio firmato',
      en: 'Patto di Servizio signed',
    });
    expect((await api.get('/pathways/nobody')).body).toMatchObject({ status: 404, code: 'PATHWAY_NOT_FOUND' });

    const health = await api.get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'ok',
      database: { status: 'up', kind: process.env.DATABASE_URL ? 'postgres' : 'embedded' },
    });

    const openapi = await api.get('/docs/openapi.json');
    expect(Object.keys(openapi.body.paths)).toEqual(
      expect.arrayContaining([
        '/cases',
        '/cases/{id}',
        '/cases/{id}/transitions',
        '/cases/{id}/events',
        '/cases/{id}/history',
        '/pathways',
        '/pathways/{name}',
        '/health',
      ]),
    );
    expect(Object.keys(openapi.body.paths['/cases/{id}/events'].post.responses)).toEqual(
      expect.arrayContaining(['200', '400', '404', '409', '412', '413', '415', '422', '503']),
    );
    const described = openapi.body.components.schemas.PathwayDescription.properties;
    expect(described.services.items.required).toContain('about');
    expect(described.guards.items.required).toContain('label');
    expect((await api.get('/docs')).status).toBe(200);
  });
});
