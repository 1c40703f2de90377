import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { aPerson, anEmployer, AT, historyOf, VACANCY } from '../matches/match-cases.js';
import { openSse, type SseMessage } from '../support/sse-client.js';
import { taxCode } from '../support/subjects.js';
import { client, startTestApp, type Client, type TestApp, type TestOperator } from '../support/test-app.js';

/**
 * Trainers observe real cases (Step 8, issue 12): the real cases of their offices read-only, with
 * the personal data masked on the server (subject, free text of the events and of the machine's
 * context, Idempotency-Keys) and `masked: true`; practice cases read-write and unmasked; a write on
 * an observed case is 403 and changes nothing; a real case of another office stays 404; a search by
 * subject never finds a real case; the access log records the trainer's reads.
 */

const NEED = 'Segue una terapia per la depressione';
const KEY = 'need-of-the-subject';

let t: TestApp;
let manager: Client;
let trainer: Client;
let trainerOperator: TestOperator;
/** A real person case of the trainer's office, in A.6 with a specific need in words; and an employer case. */
let real: { id: string; subject: string };
let employerId: string;
/** A real case of another office. */
let elsewhere: string;

const MASK = '***';
/** Neither the subject nor the free text appears anywhere in a body. */
const discloses = (body: unknown) => {
  const text = JSON.stringify(body);
  return [real.subject, NEED, KEY].filter((secret) => text.includes(secret));
};

beforeAll(async () => {
  t = await startTestApp();
  const managerOperator = await t.newOperator({ roles: ['case_manager', 'supervisor'] });
  manager = client(t.url, managerOperator.headers, { anonymous: true });
  trainerOperator = await t.newOperator({ roles: ['trainer'], officeId: managerOperator.officeId });
  trainer = client(t.url, trainerOperator.headers, { anonymous: true });
  const id = await aPerson(manager);
  const need = await manager.post(
    `/cases/${id}/events`,
    { type: 'SPECIFIC_NEED_RECORDED', description: NEED, at: AT },
    { 'idempotency-key': KEY },
  );
  expect(need.status).toBe(200);
  real = { id, subject: (await manager.get(`/cases/${id}`)).body.subject };
  employerId = await anEmployer(manager);
  expect((await manager.post('/matches', { personCaseId: id, employerCaseId: employerId, vacancyId: VACANCY, at: AT })).status).toBe(201);
  const other = client(t.url, (await t.newOperator()).headers, { anonymous: true });
  elsewhere = (await other.post('/cases', { pathway: 'person', subject: taxCode() })).body.id;
});

afterAll(async () => {
  await t?.close();
});

describe('a trainer observes the real cases of its office', () => {
  it('reads the case masked: subject and free text "***", states, services, dates and ids as they are, masked: true', async () => {
    const [seen, full] = await Promise.all([trainer.get(`/cases/${real.id}`), manager.get(`/cases/${real.id}`)]);
    expect(seen.status).toBe(200);
    expect(discloses(seen.body)).toEqual([]);
    expect(seen.body).toMatchObject({ id: real.id, subject: MASK, masked: true, practice: false });
    expect(seen.body.context.specificNeed).toEqual({ description: MASK, recordedAt: full.body.context.specificNeed.recordedAt });
    expect(seen.body.context.preselections).toEqual(full.body.context.preselections);
    for (const key of ['state', 'statePaths', 'services', 'status', 'version', 'officeId', 'deadlines'])
      expect({ key, value: seen.body[key] }).toEqual({ key, value: full.body[key] });
    expect(seen.headers.get('etag')).toBe(full.headers.get('etag'));
    // What a case manager sees does not change.
    expect(full.body).toMatchObject({ subject: real.subject, masked: false, context: { specificNeed: { description: NEED } } });
  });

  it("lists the case masked among its office's, and practice cases unmasked", async () => {
    const practice = await trainer.post('/cases', { pathway: 'person', subject: taxCode(), practice: true });
    const list = await trainer.get('/cases?practice=all&limit=200');
    expect(list.status).toBe(200);
    expect(discloses(list.body)).toEqual([]);
    const item = (id: string) => list.body.items.find((c: { id: string }) => c.id === id);
    expect(item(real.id)).toMatchObject({ subject: MASK, masked: true });
    expect(item(practice.body.id)).toMatchObject({ subject: practice.body.subject, masked: false, practice: true });
    expect(item(elsewhere)).toBeUndefined();
  });

  it('never finds a real case by its subject: only practice cases', async () => {
    const bySubject = await trainer.get(`/cases?practice=all&subject=${real.subject}`);
    expect(bySubject.body.items).toEqual([]);
    const practiceSubject = taxCode();
    const practice = (await trainer.post('/cases', { pathway: 'person', subject: practiceSubject, practice: true })).body;
    expect((await trainer.get(`/cases?practice=all&subject=${practiceSubject}`)).body.items.map((c: { id: string }) => c.id)).toEqual([
      practice.id,
    ]);
    // A case manager finds the real case as before.
    expect((await manager.get(`/cases?subject=${real.subject}`)).body.items.map((c: { id: string }) => c.id)).toEqual([real.id]);
  });

  it('reads the history masked: the opening subject, free text and Idempotency-Keys "***", the rest as recorded', async () => {
    const [seen, full] = await Promise.all([historyOf(trainer, real.id), historyOf(manager, real.id)]);
    expect(discloses(seen)).toEqual([]);
    expect(seen.map((e) => e.type)).toEqual(full.map((e) => e.type));
    const of = (events: any[], type: string) => events.find((e) => e.type === type);
    expect(of(seen, 'CASE_OPENED').payload).toEqual({ ...of(full, 'CASE_OPENED').payload, subject: MASK });
    expect(of(seen, 'SPECIFIC_NEED_RECORDED')).toMatchObject({ payload: { description: MASK }, idempotencyKey: MASK });
    for (const type of ['INTAKE_SESSION_HELD', 'DID_RECEIVED', 'CANDIDATE_PRESELECTED', 'SENT_TO_INTERVIEW'])
      expect({ type, payload: of(seen, type).payload }).toEqual({ type, payload: of(full, type).payload });
    expect(of(seen, 'SENT_TO_INTERVIEW').payload).toMatchObject({ vacancyId: VACANCY, employerCaseId: employerId });
  });

  it('reads what can be done now, and the matches, which carry no personal data', async () => {
    const transitions = await trainer.get(`/cases/${real.id}/transitions`);
    expect(transitions.status).toBe(200);
    expect(transitions.body.caseId).toBe(real.id);
    expect(discloses(transitions.body)).toEqual([]);
    const matches = await trainer.get(`/matches?personCaseId=${real.id}`);
    expect(matches.status).toBe(200);
    expect(matches.body.items).toEqual([
      expect.objectContaining({ personCaseId: real.id, employerCaseId: employerId, vacancyId: VACANCY }),
    ]);
    expect((await trainer.get(`/matches/${matches.body.items[0].id}`)).status).toBe(200);
  });

  it('replays the case masked, step by step', async () => {
    const replay = await trainer.get(`/cases/${real.id}/replay`);
    expect(replay.status).toBe(200);
    expect(discloses(replay.body)).toEqual([]);
    const need = replay.body.steps.find((s: { type: string }) => s.type === 'SPECIFIC_NEED_RECORDED');
    expect(need.payload.description).toBe(MASK);
    expect(need.context.specificNeed.description).toBe(MASK);
    expect(replay.body.steps.at(-1).state).toEqual((await manager.get(`/cases/${real.id}`)).body.state);
  });

  it('follows the case live masked: the first message, and the events after a Last-Event-ID', async () => {
    const collect = async (path: string, until: (messages: SseMessage[]) => boolean) => {
      const stream = await openSse(`${t.url}${path}`, trainerOperator.headers);
      expect(stream.status).toBe(200);
      try {
        return await stream.waitFor(until);
      } finally {
        stream.close();
      }
    };
    const opening = await collect(`/cases/${real.id}/stream`, (m) => m.length >= 1);
    expect(opening[0].event).toBe('case');
    expect(opening[0].json.case).toMatchObject({
      id: real.id,
      subject: MASK,
      masked: true,
      context: { specificNeed: { description: MASK } },
    });
    expect(discloses(opening.map((m) => m.json))).toEqual([]);

    const { version } = (await manager.get(`/cases/${real.id}`)).body;
    const resumed = await collect(`/cases/${real.id}/stream?lastEventId=0`, (m) => m.some((x) => x.id === String(version)));
    expect(resumed.map((m) => m.event)).toEqual(Array(version).fill('transition'));
    expect(discloses(resumed.map((m) => m.json))).toEqual([]);
    expect(resumed.every((m) => m.json.case.masked === true && m.json.case.subject === MASK)).toBe(true);
    const need = resumed.find((m) => m.json.event.type === 'SPECIFIC_NEED_RECORDED')!;
    expect(need.json.event.payload.description).toBe(MASK);

    const inspection = await collect(`/cases/${real.id}/inspection?lastEventId=0`, (m) => m.some((x) => x.id === String(version)));
    expect(discloses(inspection.map((m) => m.json))).toEqual([]);
    expect(inspection[0].json).toMatchObject({ type: '@xstate.actor', snapshot: { context: { specificNeed: { description: MASK } } } });
    const needEvent = inspection.find((m) => m.json.type === '@xstate.event' && m.json.event.type === 'SPECIFIC_NEED_RECORDED')!;
    expect(needEvent.json.event.description).toBe(MASK);
    const opened = await collect(`/cases/${real.id}/inspection`, (m) => m.length >= 3);
    expect(opened[1].json.event.type).toBe('xstate.init');
    expect(discloses(opened.map((m) => m.json))).toEqual([]);
  });

  it('writes nothing on it: every write is 403 FORBIDDEN, and the case does not move', async () => {
    const before = await manager.get(`/cases/${real.id}`);
    const eventsBefore = (await t.counts()).events;
    const match = (await trainer.get(`/matches?personCaseId=${real.id}`)).body.items[0];
    const writes = [
      trainer.post(`/cases/${real.id}/events`, { type: 'MATCHING_SESSION_HELD', mode: 'individual', minutes: 60, at: AT }),
      trainer.post(`/cases/${real.id}/events`, { type: 'SENT_TO_INTERVIEW', vacancyId: VACANCY, employerCaseId: employerId, at: AT }),
      trainer.post(`/cases/${real.id}/assignment`, { assigneeId: null }),
      trainer.post(`/cases/${real.id}/transfer`, { officeId: before.body.officeId, reason: 'Prova' }),
      trainer.post('/matches', { personCaseId: real.id, employerCaseId: employerId, vacancyId: VACANCY, at: AT }),
      trainer.post(`/matches/${match.id}/outcome`, { outcome: 'not_selected', at: AT }),
    ];
    for (const answer of await Promise.all(writes)) {
      expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
      expect(discloses(answer.body)).toEqual([]);
    }
    const refused = await trainer.post(`/cases/${real.id}/events`, { type: 'MATCHING_SESSION_HELD', mode: 'individual', minutes: 60 });
    expect(refused.body.detail).toMatch(/solo osservare|only be observed/);
    const after = await manager.get(`/cases/${real.id}`);
    expect(after.body.version).toBe(before.body.version);
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
    expect((await t.counts()).events).toBe(eventsBefore);
    expect((await manager.get(`/matches/${match.id}`)).body.outcome).toBeNull();
  });

  it('is told nothing of a real case of another office: 404 CASE_NOT_FOUND, reading or writing', async () => {
    const answers = await Promise.all([
      trainer.get(`/cases/${elsewhere}`),
      trainer.get(`/cases/${elsewhere}/history`),
      trainer.get(`/cases/${elsewhere}/replay`),
      trainer.get(`/matches?personCaseId=${elsewhere}`),
      trainer.post(`/cases/${elsewhere}/events`, { type: 'INTAKE_SESSION_HELD', mode: 'individual', minutes: 30 }),
      trainer.post('/matches', { personCaseId: elsewhere, employerCaseId: employerId, vacancyId: VACANCY, at: AT }),
    ]);
    for (const answer of answers)
      expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 404, code: 'CASE_NOT_FOUND' });
  });

  it('works on practice cases in full: read and write, masked: false', async () => {
    const subject = taxCode();
    const opened = await trainer.post('/cases', { pathway: 'person', subject, practice: true });
    expect(opened.body).toMatchObject({ subject, masked: false });
    const acted = await trainer.post(`/cases/${opened.body.id}/events`, { type: 'INTAKE_SESSION_HELD', mode: 'individual', minutes: 30 });
    expect(acted.status).toBe(200);
    expect(acted.body.case).toMatchObject({ subject, masked: false, version: 2 });
    const history = await historyOf(trainer, opened.body.id);
    expect(history[0].payload.subject).toBe(subject);
    // A real case is still refused to a trainer.
    expect((await trainer.post('/cases', { pathway: 'person', subject: taxCode() })).status).toBe(403);
  });

  it("leaves the trainer's reads of the real case in the access log", async () => {
    const log = await client(t.url).get(`/admin/access-log?caseId=${real.id}&operatorId=${trainerOperator.id}&limit=200`);
    expect(log.status).toBe(200);
    const routes = new Set(log.body.items.map((r: { route: string }) => r.route));
    for (const route of [
      'GET /cases/:id',
      'GET /cases/:id/history',
      'GET /cases/:id/transitions',
      'GET /cases/:id/replay',
      'GET /cases/:id/stream',
      'GET /cases/:id/inspection',
    ])
      expect({ route, logged: routes.has(route) }).toEqual({ route, logged: true });
  });
});
