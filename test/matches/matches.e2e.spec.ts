import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.worker.js';
import { client, startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { aPerson, anEmployer, AT, historyOf, VACANCY } from './match-cases.js';

/*
 * The matching act (issue 11, item 4): one act on the person's case (A.6) and the employer's case
 * (B.4), in one transaction. The webhook dispatcher is off and ticked by hand, so what the receiver
 * gets was queued by the act's own writes.
 */

const WEBHOOK_ENV = { PERCORSI_WEBHOOK_DISPATCH: 'false', PERCORSI_WEBHOOK_ALLOWLIST: '127.0.0.1', PERCORSI_WEBHOOK_ALLOW_HTTP: 'true' };

describe('matching acts on both cases', () => {
  let t: TestApp;
  let api: Client;
  let receiver: WebhookReceiver;

  /** What the database holds of both cases and of the matches: a refused act must change none of it. */
  async function state(personId: string, employerId: string) {
    const [row] = await t.dataSource.query<{ versions: number[]; events: number; matches: number; deliveries: number; keys: number }[]>(
      `SELECT (SELECT array_agg(version ORDER BY id) FROM cases WHERE id IN ($1, $2)) AS versions,
              (SELECT count(*) FROM case_events)::int AS events, (SELECT count(*) FROM matches)::int AS matches,
              (SELECT count(*) FROM webhook_deliveries)::int AS deliveries, (SELECT count(*) FROM idempotency_keys)::int AS keys`,
      [personId, employerId],
    );
    return row;
  }

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    t = await startTestApp({ env: WEBHOOK_ENV });
    api = client(t.url);
    // The acts' events only: the set-up's are not the subject here.
    const filter = { eventTypes: ['SENT_TO_INTERVIEW', 'CANDIDATE_PUT_FORWARD'] };
    expect((await api.post('/webhooks/subscriptions', { url: receiver.url(), filter })).status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('records SENT_TO_INTERVIEW and CANDIDATE_PUT_FORWARD together, each naming the other case, with webhooks for both', async () => {
    const [person, employer] = [await aPerson(api), await anEmployer(api)];
    const [personBefore, employerBefore] = [(await api.get(`/cases/${person}`)).body, (await api.get(`/cases/${employer}`)).body];
    const res = await api.post('/matches', { personCaseId: person, employerCaseId: employer, vacancyId: VACANCY, at: AT });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/matches/${res.body.id}`);
    expect(res.body.personEvent).toMatchObject({
      type: 'SENT_TO_INTERVIEW',
      sequence: personBefore.version + 1,
      payload: { vacancyId: VACANCY, employerCaseId: employer },
    });
    expect(res.body.employerEvent).toMatchObject({
      type: 'CANDIDATE_PUT_FORWARD',
      sequence: employerBefore.version + 1,
      payload: { vacancyId: VACANCY, personCaseId: person },
    });

    // Both histories hold the act, and both cases remember it in their context.
    expect((await historyOf(api, person)).at(-1)).toEqual(res.body.personEvent);
    expect((await historyOf(api, employer)).at(-1)).toEqual(res.body.employerEvent);
    expect((await api.get(`/cases/${employer}`)).body.context.candidates).toEqual([
      expect.objectContaining({ vacancyId: VACANCY, personCaseId: person }),
    ]);

    const match = {
      id: res.body.id,
      personCaseId: person,
      employerCaseId: employer,
      vacancyId: VACANCY,
      personSequence: personBefore.version + 1,
      employerSequence: employerBefore.version + 1,
      outcome: null,
      outcomeAt: null,
      createdBy: t.operator.id,
    };
    expect((await api.get(`/matches/${res.body.id}`)).body).toMatchObject(match);
    expect((await api.get(`/matches?personCaseId=${person}`)).body.items).toEqual([expect.objectContaining(match)]);
    expect((await api.get(`/matches?employerCaseId=${employer}`)).body.items).toEqual([expect.objectContaining(match)]);

    // One webhook per case, each with its own event.
    await t.app.get(WebhookDispatcher).tick();
    const hooks = (await receiver.waitFor(2)).map((r) => r.body.data);
    expect(hooks).toHaveLength(2);
    expect(hooks.map((d) => [d.caseId, d.event, d.sequence]).sort()).toEqual(
      [
        [person, 'SENT_TO_INTERVIEW', match.personSequence],
        [employer, 'CANDIDATE_PUT_FORWARD', match.employerSequence],
      ].sort(),
    );
  });

  it("refuses an act the person's case does not allow: nothing recorded on either side, the person's reasons listed", async () => {
    const [person, employer] = [await aPerson(api, { upTo: 1 }), await anEmployer(api)];
    const before = await state(person, employer);
    const res = await api.post(
      '/matches',
      { personCaseId: person, employerCaseId: employer, vacancyId: VACANCY, at: AT },
      { 'accept-language': 'en' },
    );
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('TRANSITION_NOT_ALLOWED');
    expect(res.body.sides.person).toEqual({ kind: 'not_available', reasons: [expect.objectContaining({ code: 'EVENT_NOT_AVAILABLE' })] });
    expect(res.body.sides.person.reasons[0].message).toContain('SENT_TO_INTERVIEW is not possible now');
    expect(res.body.sides.employer).toEqual({ kind: null, reasons: [] });
    expect(await state(person, employer)).toEqual(before);
  });

  it("refuses an act the employer's case does not allow (a vacancy it never recorded): nothing recorded, the employer's reasons listed", async () => {
    const [person, employer] = [await aPerson(api), await anEmployer(api)];
    const before = await state(person, employer);
    const res = await api.post(
      '/matches',
      { personCaseId: person, employerCaseId: employer, vacancyId: 'V-NEVER', at: AT },
      { 'accept-language': 'it' },
    );
    expect(res.status).toBe(409);
    expect(res.body.sides.person).toEqual({ kind: null, reasons: [] });
    expect(res.body.sides.employer.kind).toBe('guards_failed');
    expect(res.body.sides.employer.reasons.map((r: { code: string }) => r.code)).toEqual(['VACANCY_NOT_RECORDED']);
    expect(res.body.sides.employer.reasons[0].message).toContain('non è registrata');
    expect(await state(person, employer)).toEqual(before);
  });

  it('lists both sides when both refuse', async () => {
    const [person, employer] = [await aPerson(api, { upTo: 1 }), await anEmployer(api, { upTo: 2 })];
    const before = await state(person, employer);
    const res = await api.post('/matches', { personCaseId: person, employerCaseId: employer, vacancyId: VACANCY, at: AT });
    expect(res.status).toBe(409);
    expect(res.body.sides.person.reasons.length).toBeGreaterThan(0);
    expect(res.body.sides.employer.reasons.length).toBeGreaterThan(0);
    expect(res.body.detail).toContain(res.body.sides.person.reasons[0].message);
    expect(res.body.detail).toContain(res.body.sides.employer.reasons[0].message);
    expect(await state(person, employer)).toEqual(before);
  });

  it('records a hire on both cases (the person pathway closes), once', async () => {
    const [person, employer] = [await aPerson(api), await anEmployer(api)];
    const matched = await api.post('/matches', { personCaseId: person, employerCaseId: employer, vacancyId: VACANCY, at: AT });
    expect(matched.status).toBe(201);
    const id = matched.body.id as string;

    const incomplete = await api.post(`/matches/${id}/outcome`, { outcome: 'hired', at: '2026-10-20' });
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['contractStartDate', 'contractType']);
    const badContract = await api.post(`/matches/${id}/outcome`, {
      outcome: 'hired',
      contractType: 'forever',
      contractStartDate: '2026-11-02',
      at: '2026-10-20',
    });
    expect(badContract.status).toBe(400);
    expect(badContract.body.errors.map((e: { field: string }) => e.field)).toEqual(['contractType']);

    const before = await state(person, employer);
    const hired = await api.post(`/matches/${id}/outcome`, {
      outcome: 'hired',
      contractType: 'permanent',
      contractStartDate: '2026-11-02',
      at: '2026-10-20',
    });
    expect(hired.status).toBe(201);
    expect(hired.headers.get('location')).toBe(`/matches/${id}`);
    expect(hired.body.personEvent).toMatchObject({
      type: 'HIRED',
      payload: { contractType: 'permanent', contractStartDate: '2026-11-02', vacancyId: VACANCY },
    });
    expect(hired.body.employerEvent).toMatchObject({ type: 'CANDIDATE_HIRED', payload: { vacancyId: VACANCY, personCaseId: person } });
    expect((await api.get(`/cases/${person}`)).body).toMatchObject({ status: 'done', state: 'placed' });
    expect((await historyOf(api, employer)).at(-1)).toEqual(hired.body.employerEvent);
    const after = await state(person, employer);
    expect(after.versions).toEqual(before.versions.map((v) => v + 1));
    expect(after.events).toBe(before.events + 2);
    expect((await api.get(`/matches/${id}`)).body).toMatchObject({ outcome: 'hired', outcomeAt: expect.any(String) });

    const again = await api.post(`/matches/${id}/outcome`, { outcome: 'not_selected', at: '2026-10-21' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('MATCH_OUTCOME_RECORDED');
    expect(await state(person, employer)).toEqual(after);
  });

  it("records not_selected as the employer's feedback only", async () => {
    const [person, employer] = [await aPerson(api), await anEmployer(api)];
    const id = (await api.post('/matches', { personCaseId: person, employerCaseId: employer, vacancyId: VACANCY, at: AT })).body.id;
    const personVersion = (await api.get(`/cases/${person}`)).body.version;
    const res = await api.post(`/matches/${id}/outcome`, { outcome: 'not_selected', feedback: 'Profilo non adatto', at: '2026-10-20' });
    expect(res.status).toBe(201);
    expect(res.body.personEvent).toBeUndefined();
    expect(res.body.employerEvent).toMatchObject({
      type: 'EMPLOYER_FEEDBACK_RECORDED',
      payload: { vacancyId: VACANCY, feedback: 'Profilo non adatto' },
    });
    expect((await api.get(`/cases/${person}`)).body.version).toBe(personVersion);
    expect((await api.get(`/matches/${id}`)).body.outcome).toBe('not_selected');
  });

  it("a hire the person's case no longer allows (withdrawn) records nothing on either side", async () => {
    const [person, employer] = [await aPerson(api), await anEmployer(api)];
    const id = (await api.post('/matches', { personCaseId: person, employerCaseId: employer, vacancyId: VACANCY, at: AT })).body.id;
    // The person withdraws meanwhile: the hire cannot close a closed case.
    expect((await api.post(`/cases/${person}/events`, { type: 'WITHDRAWN', reason: 'Trasferito', at: AT })).status).toBe(200);
    const before = await state(person, employer);
    const res = await api.post(`/matches/${id}/outcome`, {
      outcome: 'hired',
      contractType: 'permanent',
      contractStartDate: '2026-11-02',
      at: '2026-10-20',
    });
    expect(res.status).toBe(409);
    expect(res.body.sides.person.kind).toBe('case_closed');
    expect(res.body.sides.employer).toEqual({ kind: null, reasons: [] });
    expect(await state(person, employer)).toEqual(before);
    expect((await api.get(`/matches/${id}`)).body.outcome).toBeNull();
  });

  it('replays an act sent again with the same Idempotency-Key, and refuses the key with another body', async () => {
    const [person, employer] = [await aPerson(api), await anEmployer(api)];
    const body = { personCaseId: person, employerCaseId: employer, vacancyId: VACANCY, at: AT };
    const sent = await Promise.all(Array.from({ length: 5 }, () => api.post('/matches', body, { 'Idempotency-Key': `match-${person}` })));
    expect(sent.map((r) => r.status)).toEqual(Array(5).fill(201));
    for (const r of sent) expect(r.body).toEqual(sent[0].body);
    expect(sent.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
    const later = await api.post('/matches', body, { 'Idempotency-Key': `match-${person}` });
    expect(later.body).toEqual(sent[0].body);
    expect(later.headers.get('location')).toBe(`/matches/${sent[0].body.id}`);
    expect((await api.get(`/matches?personCaseId=${person}`)).body.items).toHaveLength(1);
    expect((await historyOf(api, employer)).filter((e) => e.type === 'CANDIDATE_PUT_FORWARD')).toHaveLength(1);
    const reused = await api.post('/matches', { ...body, at: '2026-10-02' }, { 'Idempotency-Key': `match-${person}` });
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');

    // The outcome too: one hire, however often it is sent.
    const outcome = { outcome: 'not_selected', at: '2026-10-20' };
    const first = await api.post(`/matches/${sent[0].body.id}/outcome`, outcome, { 'Idempotency-Key': 'outcome-1' });
    const second = await api.post(`/matches/${sent[0].body.id}/outcome`, outcome, { 'Idempotency-Key': 'outcome-1' });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
  });

  it('answers 404 for a case out of reach, naming only that case, and records nothing', async () => {
    const other = await t.newOperator({ roles: ['case_manager'] });
    const them = client(t.url, other.headers, { anonymous: true });
    const [person, employer, theirEmployer] = [await aPerson(api), await anEmployer(api), await anEmployer(them)];
    const before = await state(person, theirEmployer);
    const res = await api.post('/matches', { personCaseId: person, employerCaseId: theirEmployer, vacancyId: VACANCY, at: AT });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 404, code: 'CASE_NOT_FOUND' });
    expect(res.body.detail).toContain(theirEmployer);
    expect(res.body.detail).not.toContain(person);
    expect(await state(person, theirEmployer)).toEqual(before);
    // They reach neither our cases nor our matches.
    const id = (await api.post('/matches', { personCaseId: person, employerCaseId: employer, vacancyId: VACANCY, at: AT })).body.id;
    expect((await them.get(`/matches?personCaseId=${person}`)).body.code).toBe('CASE_NOT_FOUND');
    expect((await them.get(`/matches/${id}`)).body.code).toBe('MATCH_NOT_FOUND');
    const outcome = await them.post(`/matches/${id}/outcome`, { outcome: 'not_selected', at: '2026-10-20' });
    expect({ status: outcome.status, code: outcome.body.code }).toEqual({ status: 404, code: 'MATCH_NOT_FOUND' });
  });

  it('refuses bad bodies, cases of the wrong pathway, and a practice case with a real one', async () => {
    const [person, employer, practiceEmployer] = [await aPerson(api), await anEmployer(api), await anEmployer(api, { practice: true })];
    const before = await state(person, employer);
    const bad = await api.post('/matches', { personCaseId: 'x', vacancyId: '', at: 'yesterday', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'at',
      'employerCaseId',
      'extra',
      'personCaseId',
      'vacancyId',
    ]);
    const swapped = await api.post('/matches', { personCaseId: employer, employerCaseId: person, vacancyId: VACANCY, at: AT });
    expect(swapped.status).toBe(400);
    expect(swapped.body.errors).toEqual([
      expect.objectContaining({ field: 'personCaseId', problem: 'enum' }),
      expect.objectContaining({ field: 'employerCaseId', problem: 'enum' }),
    ]);
    const mixed = await api.post('/matches', { personCaseId: person, employerCaseId: practiceEmployer, vacancyId: VACANCY, at: AT });
    expect({ status: mixed.status, code: mixed.body.code }).toEqual({ status: 409, code: 'MATCH_PRACTICE_MIXED' });
    expect((await api.get('/matches')).status).toBe(400);
    expect((await api.get(`/matches?personCaseId=${person}&employerCaseId=${employer}`)).status).toBe(400);
    expect(await state(person, employer)).toEqual(before);
    // Two practice cases match (and queue no webhook).
    const practicePerson = await aPerson(api, { practice: true });
    const practice = await api.post('/matches', {
      personCaseId: practicePerson,
      employerCaseId: practiceEmployer,
      vacancyId: VACANCY,
      at: AT,
    });
    expect(practice.status).toBe(201);
  });

  describe('POST /cases/:id/events with an event that names the other case', () => {
    it("SENT_TO_INTERVIEW with employerCaseId records both sides, answered as the person's event", async () => {
      const [person, employer] = [await aPerson(api), await anEmployer(api)];
      const res = await api.post(`/cases/${person}/events`, {
        type: 'SENT_TO_INTERVIEW',
        vacancyId: VACANCY,
        employerCaseId: employer,
        at: AT,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe(`"${res.body.case.version}"`);
      expect(res.body.event).toMatchObject({ type: 'SENT_TO_INTERVIEW', payload: { employerCaseId: employer } });
      expect(res.body.match.personEvent).toEqual(res.body.event);
      expect((await historyOf(api, employer)).at(-1)).toEqual(res.body.match.employerEvent);
      expect(res.body.match.employerEvent.payload).toMatchObject({ vacancyId: VACANCY, personCaseId: person });
      expect((await api.get(`/matches/${res.body.match.id}`)).body).toMatchObject({ personCaseId: person, employerCaseId: employer });
    });

    it("CANDIDATE_PUT_FORWARD with personCaseId records both sides, answered as the employer's event", async () => {
      const [person, employer] = [await aPerson(api), await anEmployer(api)];
      const res = await api.post(`/cases/${employer}/events`, {
        type: 'CANDIDATE_PUT_FORWARD',
        vacancyId: VACANCY,
        personCaseId: person.toUpperCase(),
        at: AT,
      });
      expect(res.status).toBe(200);
      expect(res.body.event).toMatchObject({ type: 'CANDIDATE_PUT_FORWARD', payload: { personCaseId: person } });
      expect((await historyOf(api, person)).at(-1)).toEqual(res.body.match.personEvent);
      expect(res.body.match.personEvent.payload).toMatchObject({ vacancyId: VACANCY, employerCaseId: employer });
    });

    it("a refusal of the other side is a 409 with both sides, and the event's own case does not move", async () => {
      const [person, employer] = [await aPerson(api), await anEmployer(api)];
      const before = await state(person, employer);
      const res = await api.post(`/cases/${person}/events`, {
        type: 'SENT_TO_INTERVIEW',
        vacancyId: 'V-9',
        employerCaseId: employer,
        at: AT,
      });
      expect(res.status).toBe(409);
      expect(res.body.reasons.map((r: { code: string }) => r.code)).toEqual(['VACANCY_NOT_RECORDED']);
      expect(res.body.sides.person.reasons).toEqual([]);
      expect(await state(person, employer)).toEqual(before);
      // If-Match holds for the case of the path.
      const stale = await api.post(
        `/cases/${person}/events`,
        { type: 'SENT_TO_INTERVIEW', vacancyId: VACANCY, employerCaseId: employer, at: AT },
        { 'If-Match': '"1"' },
      );
      expect(stale.status).toBe(412);
      expect(await state(person, employer)).toEqual(before);
    });

    it('CANDIDATE_HIRED naming the person is refused, pointing to POST /matches/:id/outcome; without a link the events stay one-sided', async () => {
      const [person, employer] = [await aPerson(api), await anEmployer(api)];
      const res = await api.post(
        `/cases/${employer}/events`,
        { type: 'CANDIDATE_HIRED', vacancyId: VACANCY, personCaseId: person, at: AT },
        { 'accept-language': 'en' },
      );
      expect(res.status).toBe(400);
      expect(res.body.errors[0]).toMatchObject({ field: 'personCaseId', message: expect.stringContaining('POST /matches/:id/outcome') });
      // No case named, or a reference that is not a case id: one side only, as the catalogues allow.
      const before = await state(person, employer);
      const alone = await api.post(`/cases/${person}/events`, { type: 'SENT_TO_INTERVIEW', vacancyId: VACANCY, at: AT });
      expect(alone.status).toBe(200);
      expect(alone.body.match).toBeUndefined();
      const external = await api.post(`/cases/${employer}/events`, {
        type: 'CANDIDATE_PUT_FORWARD',
        vacancyId: VACANCY,
        personCaseId: 'P-1',
        at: AT,
      });
      expect(external.status).toBe(200);
      expect(external.body.match).toBeUndefined();
      const after = await state(person, employer);
      expect([after.versions, after.matches]).toEqual([before.versions.map((v) => v + 1), before.matches]);
    });
  });
});
