import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { calendarDateIn } from '../../machines/case.js';
import { STANDARDS_TIME_ZONE } from '../../machines/index.js';
import { addMonths } from '../../machines/person/person.deadlines.js';
import { PERSON_STAGES } from '../../machines/testing/case-factory.js';
import { client, startTestApp, type Client, type TestApp, type TestOperator } from '../support/test-app.js';
import { TestClock } from '../support/test-clock.js';
import { taxCode } from '../support/subjects.js';

/**
 * GET /worklist (issue 11, "The worklist"): person cases whose DIDs fall on different days, written by
 * the service as it records the events (their deadlines and next due day), listed overdue first, then
 * by next due day, those without a pending deadline last; scoped to the operator's cases or offices.
 */

const DAY_MS = 86_400_000;
const clock = new TestClock();
const dayOf = (ms: number) => calendarDateIn(STANDARDS_TIME_ZONE, ms);
const daysBefore = (day: string, days: number) => new Date(Date.parse(day) - days * DAY_MS).toISOString().slice(0, 10);
const daysFrom = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS);
// Intake without its fixed date: the acts happen on the test clock's day.
const INTAKE = [...PERSON_STAGES.intake, ...PERSON_STAGES.intakeRecorded].map((event) => ({ ...event, at: undefined }));

interface Opened {
  id: string;
  subject: string;
  /** The guidance interview's due day (three months from the DID), or null without a DID. */
  dueBy: string | null;
  did: string | null;
  assignee: string;
}

let t: TestApp;
let today: string;
let me: TestOperator;
let colleague: TestOperator;
let stranger: TestOperator;
const cases: Record<string, Opened> = {};

async function ok(response: Promise<{ status: number; body: any }>, what: string): Promise<any> {
  const answer = await response;
  if (answer.status >= 300) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** A person case opened by `by` (so assigned to them), with a DID received `didDaysAgo` days ago, or none. */
async function open(by: TestOperator, didDaysAgo: number | null, extra: { practice?: boolean } = {}): Promise<Opened> {
  const api = client(t.url, by.headers);
  const subject = taxCode();
  const opened = await ok(api.post('/cases', { pathway: 'person', subject, ...extra }), 'open');
  const did = didDaysAgo === null ? null : daysBefore(today, didDaysAgo);
  if (did) {
    // Intake, the registry, the DID (received on `did`) and its certification request.
    for (const event of INTAKE)
      await ok(api.post(`/cases/${opened.id}/events`, event.type === 'DID_RECEIVED' ? { ...event, didDate: did } : event), event.type);
  }
  return { id: opened.id, subject, did, dueBy: did && addMonths(did, 3), assignee: by.id };
}

// The worklist's order: due day (none last), then id (PostgreSQL compares uuids as their hex text does).
const keyOf = (c: Opened) => `${c.dueBy ?? '9999-99-99'}|${c.id}`;
const byDue = (a: Opened, b: Opened) => (keyOf(a) < keyOf(b) ? -1 : 1);
const ids = (list: Opened[]) => [...list].sort(byDue).map((c) => c.id);

async function worklist(api: Client, query = ''): Promise<any> {
  return ok(api.get(`/worklist${query ? `?${query}` : ''}`), `GET /worklist?${query}`);
}

/** Every page of a worklist query, `limit` at a time. */
async function allPages(api: Client, query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const found: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await worklist(api, `${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    found.push(...page.items.map((i: any) => i.caseId));
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 50);
  return { ids: found, pages };
}

beforeAll(async () => {
  t = await startTestApp({ clock });
  today = dayOf(clock.now().getTime());
  me = t.operator;
  colleague = await t.newOperator({ roles: ['case_manager'], officeId: me.officeId });
  stranger = await t.newOperator({ roles: ['case_manager', 'supervisor'] });
  // Mine: overdue by about a month, due in about ten days, in about fifty, and one without a DID.
  cases.mineOverdue = await open(me, 120);
  cases.mineSoon = await open(me, 80);
  cases.mineLater = await open(me, 40);
  cases.mineNone = await open(me, null);
  // My colleague's, in my office: overdue, and one without a DID.
  cases.theirsOverdue = await open(colleague, 100);
  cases.theirsNone = await open(colleague, null);
  // Never listed: another office's (the most overdue of all), a practice case, a closed case.
  cases.otherOffice = await open(stranger, 150);
  cases.practice = await open(me, 140, { practice: true });
  cases.closed = await open(me, 130);
  await ok(client(t.url).post(`/cases/${cases.closed.id}/events`, { type: 'WITHDRAWN', reason: 'Moved abroad' }), 'close');
}, 120_000);
afterAll(() => t?.close());

const mine = () => [cases.mineOverdue, cases.mineSoon, cases.mineLater, cases.mineNone];
const office = () => [...mine(), cases.theirsOverdue, cases.theirsNone];

describe('GET /worklist', () => {
  it("lists the operator's own cases by default: overdue first, then by due day, no deadline last", async () => {
    const page = await worklist(client(t.url));
    expect(page.items.map((i: any) => i.caseId)).toEqual(ids(mine()));
    expect(page.items.map((i: any) => i.caseId)).toEqual(
      [cases.mineOverdue, cases.mineSoon, cases.mineLater, cases.mineNone].map((c) => c.id),
    );
    expect(page.nextCursor).toBeNull();
    expect((await worklist(client(t.url), 'scope=mine')).items).toEqual(page.items);
  });

  it('shows each case with its next deadline, days left, last activity, assignee and services', async () => {
    const { items } = await worklist(client(t.url));
    const [overdue, soon] = [cases.mineOverdue, cases.mineSoon];
    const read = await ok(client(t.url).get(`/cases/${overdue.id}`), 'read');
    expect(items[0]).toEqual({
      caseId: overdue.id,
      pathway: 'person',
      subject: overdue.subject,
      officeId: me.officeId,
      assignee: me.id,
      nextDeadline: { id: 'guidance_interview', dueBy: overdue.dueBy, state: 'overdue', daysLeft: daysFrom(today, overdue.dueBy!) },
      lastActivityAt: read.updatedAt,
      services: read.services,
    });
    expect(items[0].nextDeadline.daysLeft).toBeLessThan(0);
    expect(items[1].nextDeadline).toEqual({
      id: 'guidance_interview',
      dueBy: soon.dueBy,
      state: 'pending',
      daysLeft: daysFrom(today, soon.dueBy!),
    });
    expect(items[1].nextDeadline.daysLeft).toBeGreaterThan(0);
    expect(items[3].nextDeadline).toBeNull();
  });

  it("scope=office lists every case of the operator's office, whoever it is assigned to", async () => {
    const { items } = await worklist(client(t.url), 'scope=office');
    expect(items.map((i: any) => i.caseId)).toEqual(ids(office()));
    expect(items.find((i: any) => i.caseId === cases.theirsOverdue.id).assignee).toBe(colleague.id);
    expect((await worklist(client(t.url), `scope=office&officeId=${me.officeId}`)).items).toEqual(items);
    // The colleague's own list holds only theirs.
    const theirs = await worklist(client(t.url, colleague.headers));
    expect(theirs.items.map((i: any) => i.caseId)).toEqual(ids([cases.theirsOverdue, cases.theirsNone]));
  });

  it('never lists practice cases, closed cases, or another office’s', async () => {
    const listed = (await allPages(client(t.url), 'scope=office', 200)).ids;
    for (const hidden of [cases.practice, cases.closed, cases.otherOffice]) expect(listed).not.toContain(hidden.id);
    // Another office: nothing (as GET /cases?officeId= answers for an office out of reach).
    expect(await worklist(client(t.url), `scope=office&officeId=${stranger.officeId}`)).toEqual({ items: [], nextCursor: null });
    // Its own operator sees it.
    const theirs = await worklist(client(t.url, stranger.headers), 'scope=office');
    expect(theirs.items.map((i: any) => i.caseId)).toEqual([cases.otherOffice.id]);
  });

  it("overdue=true lists only the cases whose next deadline's day has passed", async () => {
    const { items } = await worklist(client(t.url), 'scope=office&overdue=true');
    expect(items.map((i: any) => i.caseId)).toEqual(ids([cases.mineOverdue, cases.theirsOverdue]));
    expect(items.every((i: any) => i.nextDeadline.state === 'overdue')).toBe(true);
    expect((await worklist(client(t.url), 'overdue=true')).items.map((i: any) => i.caseId)).toEqual([cases.mineOverdue.id]);
    expect((await worklist(client(t.url), 'overdue=false')).items.map((i: any) => i.caseId)).toEqual(ids(mine()));
  });

  it('dueBefore lists the cases whose next deadline is due strictly before that day', async () => {
    const soon = cases.mineSoon.dueBy!;
    const before = await worklist(client(t.url), `scope=office&dueBefore=${soon}`);
    expect(before.items.map((i: any) => i.caseId)).toEqual(ids([cases.mineOverdue, cases.theirsOverdue]));
    const dayAfter = new Date(Date.parse(soon) + DAY_MS).toISOString().slice(0, 10);
    const including = await worklist(client(t.url), `scope=office&dueBefore=${dayAfter}`);
    expect(including.items.map((i: any) => i.caseId)).toEqual(ids([cases.mineOverdue, cases.theirsOverdue, cases.mineSoon]));
    // With overdue=true too: the earlier of the two days.
    expect((await worklist(client(t.url), `scope=office&overdue=true&dueBefore=${dayAfter}`)).items).toEqual(before.items);
  });

  it.each([1, 2, 4])('pages through the office %i at a time, with no duplicate and no gap', async (limit) => {
    const { ids: paged, pages } = await allPages(client(t.url), 'scope=office', limit);
    expect(paged).toEqual(ids(office()));
    expect(pages).toBe(Math.ceil(office().length / limit));
  });

  it("a met deadline moves the case's next deadline", async () => {
    const later = cases.mineLater;
    const api = client(t.url);
    await ok(api.post(`/cases/${later.id}/events`, { type: 'PATTO_SIGNED' }), 'Patto');
    await ok(api.post(`/cases/${later.id}/events`, PERSON_STAGES.guidance[0]), 'A.3');
    const { items } = await worklist(api);
    const item = items.find((i: any) => i.caseId === later.id);
    const measure = addMonths(later.did!, 6);
    expect(item.nextDeadline).toEqual({ id: 'measure_proposal', dueBy: measure, state: 'pending', daysLeft: daysFrom(today, measure) });
    later.dueBy = measure;
    expect(items.map((i: any) => i.caseId)).toEqual(ids(mine()));
  });

  it('service=<key> lists only the cases in which that service is in progress, in the same order', async () => {
    const services = new Map<string, Record<string, string>>();
    for (const c of office()) services.set(c.id, (await ok(client(t.url).get(`/cases/${c.id}`), 'read')).services);
    const inProgress = (key: string) => office().filter((c) => services.get(c.id)![key] === 'active');
    // The intake (A.2) is in progress on the cases with a DID, not on those opened only.
    expect(inProgress('A2').length).toBeGreaterThan(0);
    expect(inProgress('A2')).not.toContainEqual(cases.mineNone);
    const { items } = await worklist(client(t.url), 'scope=office&service=A2');
    expect(items.map((i: any) => i.caseId)).toEqual(ids(inProgress('A2')));
    expect(items.every((i: any) => i.services.A2 === 'active')).toBe(true);
    // With the other filters, and paged.
    expect((await worklist(client(t.url), 'scope=office&service=A2&overdue=true')).items.map((i: any) => i.caseId)).toEqual(
      ids(inProgress('A2').filter((c) => c.dueBy !== null && c.dueBy < today)),
    );
    expect((await allPages(client(t.url), 'scope=office&service=A2', 1)).ids).toEqual(ids(inProgress('A2')));
    // A service in progress nowhere: nothing.
    expect(await worklist(client(t.url), 'scope=office&service=A6')).toEqual({ items: [], nextCursor: null });
  });

  it('refuses a service that is not a key with 400 and its field', async () => {
    for (const bad of ['A7', 'a3', 'A.3', 'B0', '']) {
      const answer = await client(t.url).get(`/worklist?service=${encodeURIComponent(bad)}`);
      expect({ bad, status: answer.status, code: answer.body.code }).toEqual({ bad, status: 400, code: 'VALIDATION_FAILED' });
      expect(answer.body.errors.map((e: any) => e.field)).toEqual(['query:service']);
    }
  });

  it('refuses bad query values with 400 and each field', async () => {
    const answer = await client(t.url).get('/worklist?scope=all&officeId=x&overdue=yes&dueBefore=2026-02-30&limit=0&cursor=nope&sort=due');
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('VALIDATION_FAILED');
    expect(answer.body.errors.map((e: any) => e.field).sort()).toEqual(
      ['query:cursor', 'query:dueBefore', 'query:limit', 'query:officeId', 'query:overdue', 'query:scope', 'query:sort'].sort(),
    );
    // A cursor of GET /cases is not one of the worklist's.
    const listCursor = (await ok(client(t.url).get('/cases?limit=1'), 'list')).nextCursor as string;
    expect((await client(t.url).get(`/worklist?cursor=${listCursor}`)).status).toBe(400);
  });

  it('answers 401 without credentials and 403 to roles without worklist.read', async () => {
    const anonymous = await client(t.url, {}, { anonymous: true }).get('/worklist');
    expect([anonymous.status, anonymous.body.code]).toEqual([401, 'UNAUTHENTICATED']);
    for (const role of ['analyst', 'trainer', 'integration', 'admin']) {
      const operator = await t.newOperator({ roles: [role], officeId: me.officeId });
      const answer = await client(t.url, operator.headers).get('/worklist?scope=office');
      expect({ role, status: answer.status, code: answer.body.code }).toEqual({ role, status: 403, code: 'FORBIDDEN' });
    }
  });

  // Last: it moves the clock.
  it('turns a deadline overdue when its day has passed in Rome, whether or not anything ran', async () => {
    const soon = cases.mineSoon;
    const api = client(t.url);
    // 23:30 on the due day in Rome (UTC+1 in winter, +2 in summer): still due today.
    const lastMinutes = [22, 21]
      .map((h) => Date.parse(`${soon.dueBy}T${h}:30:00Z`))
      .find((ms) => dayOf(ms) === soon.dueBy && dayOf(ms + 3_600_000) !== soon.dueBy)!;
    clock.set(lastMinutes);
    let item = (await worklist(api)).items.find((i: any) => i.caseId === soon.id);
    expect(item.nextDeadline).toMatchObject({ state: 'pending', daysLeft: 0 });
    expect((await worklist(api, 'overdue=true')).items.map((i: any) => i.caseId)).not.toContain(soon.id);
    clock.advance(3_600_000);
    item = (await worklist(api)).items.find((i: any) => i.caseId === soon.id);
    expect(item.nextDeadline).toMatchObject({ state: 'overdue', daysLeft: -1 });
    expect((await worklist(api, 'overdue=true')).items.map((i: any) => i.caseId)).toEqual([cases.mineOverdue.id, soon.id]);
  });
});
