import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ACT_DATE, DID_DATE, NOW } from '../../machines/testing/case-factory.js';
import { Clock } from '../../src/common/clock.js';
import { PROBLEMS, problemType, type ProblemCode } from '../../src/common/problem.js';
import type { Language } from '../../src/config/app-config.js';
import { client, startTestApp, type ApiResponse, type Client, type TestApp } from '../support/test-app.js';
import { taxCode } from '../support/subjects.js';

/** A valid subject for the requests refused for something else (none of them opens a case). */
const SUBJECT = taxCode();

/**
 * Every class of refusal, over HTTP: the documented application/problem+json body (type, title,
 * detail, instance, code and the code's extensions), in the language asked for, and nothing
 * changed, neither the case (read back with GET) nor any table.
 */

/** The service clock stands still, so that dates (and the legal deadlines in a case's body) are fixed. */
class FixedClock extends Clock {
  now(): Date {
    return new Date(NOW);
  }
}

/** The headers of an operator of an accredited agency (beforeAll). */
let ACCREDITED: Record<string, string>;
const INTAKE = { type: 'INTAKE_SESSION_HELD', mode: 'individual', minutes: 30, at: DID_DATE };
const TO_GUIDANCE = [
  INTAKE,
  { type: 'REGISTRY_UPDATED', at: DID_DATE },
  { type: 'DID_RECEIVED', didDate: DID_DATE, deadlineGroup: 'other', at: DID_DATE },
  { type: 'DID_CERTIFICATION_REQUESTED', at: DID_DATE },
  { type: 'PATTO_SIGNED', at: DID_DATE },
];
const GUIDANCE = { type: 'GUIDANCE_SESSION_HELD', mode: 'individual', minutes: 60, at: ACT_DATE };

describe('refusals: problem+json, and nothing changes', () => {
  let t: TestApp;
  let api: Client;
  /** A person case just opened (A.1 and A.2 not started). */
  let fresh: string;
  /** A person case with the patto signed: guidance (A.3) is open to it. */
  let guided: string;
  /** A person case closed by WITHDRAWN. */
  let closed: string;
  let accreditedOffice: string;
  let accreditedId: string;

  async function open(pathway = 'person'): Promise<string> {
    // In the accredited agency's office, which the CPI's office supervises: both operators reach it.
    const res = await api.post('/cases', { pathway, subject: taxCode(), officeId: accreditedOffice });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  async function apply(id: string, events: Record<string, unknown>[]): Promise<void> {
    for (const event of events) {
      const res = await api.post(`/cases/${id}/events`, event);
      expect({ type: event.type, status: res.status, body: res.status === 200 ? null : res.body }).toEqual({
        type: event.type,
        status: 200,
        body: null,
      });
    }
  }

  beforeAll(async () => {
    t = await startTestApp({ clock: new FixedClock() });
    api = client(t.url);
    const accredited = await t.newOperator({ kind: 'accredited', roles: ['case_manager'] });
    ACCREDITED = accredited.headers;
    accreditedId = accredited.id;
    accreditedOffice = accredited.officeId!;
    const supervision = await client(t.url, t.admin).call('PATCH', `/admin/offices/${t.operator.officeId}`, {
      supervisesOfficeIds: [accreditedOffice],
    });
    expect(supervision.status).toBe(200);
    fresh = await open();
    guided = await open();
    await apply(guided, TO_GUIDANCE);
    closed = await open();
    await apply(closed, [{ type: 'WITHDRAWN', reason: 'Moved abroad', at: ACT_DATE }]);
  });
  afterAll(() => t.close());

  /** The documented problem: status, media type, language, and the members every problem has. */
  function expectProblem(res: ApiResponse, status: number, code: ProblemCode, instance: string, language: Language = 'it'): void {
    expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
    expect(PROBLEMS[code].status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json(;|$)/);
    expect(res.headers.get('content-language')).toBe(language);
    expect(res.body).toMatchObject({ type: problemType(code), title: PROBLEMS[code].title[language], status, code, instance });
    expect(typeof res.body.detail).toBe('string');
    expect(res.body.detail.trim().length).toBeGreaterThan(0);
    expect(res.body.requestId).toBe(res.headers.get('x-request-id'));
  }

  /** A case as GET shows it: the whole body, its ETag and the length of its history. */
  async function read(id: string) {
    const view = await api.get(`/cases/${id}`);
    const history = await api.get(`/cases/${id}/history`);
    expect([view.status, history.status]).toEqual([200, 200]);
    return { version: view.body.version, etag: view.headers.get('etag'), history: history.body.events.length, body: view.body };
  }

  /** Runs a refused request and checks that the case, and every table, is as it was. */
  async function unchanged(id: string | null, act: () => Promise<void>): Promise<void> {
    const before = id ? await read(id) : null;
    const counts = await t.counts();
    await act();
    if (id) expect(await read(id)).toEqual(before);
    expect(await t.counts()).toEqual(counts);
  }

  describe('400 VALIDATION_FAILED lists the fields in error', () => {
    it.each([
      ['subject missing', { pathway: 'person' }, [{ field: 'subject', problem: 'required' }]],
      ['subject blank', { pathway: 'person', subject: '   ' }, [{ field: 'subject', problem: 'required' }]],
      ['subject not a tax code', { pathway: 'person', subject: 'S' }, [{ field: 'subject', problem: 'format' }]],
      ['subject not a partita IVA', { pathway: 'employer', subject: '12345678901' }, [{ field: 'subject', problem: 'format' }]],
      ['unknown pathway', { pathway: 'nobody', subject: SUBJECT }, [{ field: 'pathway', problem: 'enum' }]],
      [
        'a pathway named after an Object.prototype member',
        { pathway: 'toString', subject: SUBJECT },
        [{ field: 'pathway', problem: 'enum' }],
      ],
      ['unknown top-level field', { pathway: 'person', subject: SUBJECT, colour: 'red' }, [{ field: 'colour', problem: 'unknown' }]],
      ['input of the wrong type', { pathway: 'person', subject: SUBJECT, input: ['disabled'] }, [{ field: 'input', problem: 'type' }]],
      ['officeId not a UUID', { pathway: 'person', subject: SUBJECT, officeId: 7 }, [{ field: 'officeId', problem: 'format' }]],
      [
        'the free-text office of before Step 6',
        { pathway: 'person', subject: SUBJECT, office: 'CPI Bologna' },
        [{ field: 'office', problem: 'unknown' }],
      ],
      [
        'everything wrong at once',
        { pathway: 3, extra: true, input: 'x' },
        [
          { field: 'extra', problem: 'unknown' },
          { field: 'pathway', problem: 'enum' },
          { field: 'subject', problem: 'required' },
          { field: 'input', problem: 'type' },
        ],
      ],
      ['a body that is an array', [{ pathway: 'person', subject: SUBJECT }], [{ field: 'body', problem: 'type' }]],
    ])('POST /cases: %s', async (_name, body, errors) => {
      await unchanged(null, async () => {
        const res = await api.post('/cases', body);
        expectProblem(res, 400, 'VALIDATION_FAILED', '/cases');
        expect(res.body.errors).toEqual(errors.map((e) => expect.objectContaining(e)));
        for (const e of errors) expect(res.body.detail).toContain(`${e.field} (${e.problem})`);
      });
    });

    it('POST /cases: invalid opening input is refused by the machine, field by field', async () => {
      await unchanged(null, async () => {
        const res = await api.post(
          '/cases',
          { pathway: 'person', subject: SUBJECT, input: { targets: ['nope'], colour: 'red' } },
          { 'Accept-Language': 'en' },
        );
        expectProblem(res, 400, 'VALIDATION_FAILED', '/cases', 'en');
        expect(res.body.errors).toEqual([
          expect.objectContaining({ field: 'input.targets', problem: 'enum' }),
          expect.objectContaining({ field: 'input.colour', problem: 'unknown' }),
        ]);
        expect(res.body.kind).toBe('guards_failed');
        expect(res.body.reasons).toEqual([
          expect.objectContaining({ code: 'INPUT_INVALID', message: expect.stringContaining('opening data are invalid') }),
        ]);
        expect(res.body.detail).toBe(res.body.reasons[0].message);
      });
    });

    it.each([
      ['type missing', { mode: 'individual' }, [{ field: 'type', problem: 'required' }]],
      ['type not a string', { type: 42 }, [{ field: 'type', problem: 'type' }]],
      ['type not an event name', { type: 'patto signed' }, [{ field: 'type', problem: 'format' }]],
      ['operator sent in the body', { ...INTAKE, operator: { id: 'me', kind: 'cpi' } }, [{ field: 'operator', problem: 'unknown' }]],
      ['receivedAt sent in the body', { ...INTAKE, receivedAt: '2026-01-01' }, [{ field: 'receivedAt', problem: 'unknown' }]],
      ['a body that is an array', [INTAKE], [{ field: 'body', problem: 'type' }]],
    ])('POST /cases/:id/events: %s', async (_name, body, errors) => {
      await unchanged(fresh, async () => {
        const res = await api.post(`/cases/${fresh}/events`, body);
        expectProblem(res, 400, 'VALIDATION_FAILED', `/cases/${fresh}/events`);
        expect(res.body.errors).toEqual(errors.map((e) => expect.objectContaining(e)));
      });
    });

    it.each([
      ['minutes not a number', { ...INTAKE, minutes: 'x' }, [{ field: 'minutes', problem: 'type' }]],
      ['a required field missing', { type: 'INTAKE_SESSION_HELD', mode: 'individual' }, [{ field: 'minutes', problem: 'required' }]],
      ['a field out of range', { ...INTAKE, minutes: 100_000 }, [{ field: 'minutes', problem: 'range' }]],
      ['an unknown payload field', { ...INTAKE, colour: 'red' }, [{ field: 'colour', problem: 'unknown' }]],
      ['at not a date', { ...INTAKE, at: '2026-02-31' }, [{ field: 'at', problem: 'format' }]],
    ])('POST /cases/:id/events: %s is a payload the machine refuses', async (_name, body, errors) => {
      await unchanged(fresh, async () => {
        const res = await api.post(`/cases/${fresh}/events`, body);
        expectProblem(res, 400, 'VALIDATION_FAILED', `/cases/${fresh}/events`);
        expect(res.body.errors).toEqual(errors.map((e) => expect.objectContaining(e)));
        expect(res.body.kind).toBe('guards_failed');
        expect(res.body.reasons).toEqual([
          expect.objectContaining({
            code: 'PAYLOAD_INVALID',
            guard: 'payloadValid',
            message: expect.stringMatching(/^I dati della richiesta/),
            fields: expect.any(Array),
          }),
        ]);
        expect(res.body.reasons[0].fields).toEqual(errors.map((e) => expect.objectContaining(e)));
      });
    });

    it('POST /cases/:id/events: an unknown event type is a field error with reason EVENT_UNKNOWN', async () => {
      await unchanged(fresh, async () => {
        const res = await api.post(`/cases/${fresh}/events`, { type: 'NO_SUCH_EVENT' }, { 'Accept-Language': 'en' });
        expectProblem(res, 400, 'VALIDATION_FAILED', `/cases/${fresh}/events`, 'en');
        expect(res.body.errors).toEqual([expect.objectContaining({ field: 'type', problem: 'enum' })]);
        expect(res.body.kind).toBe('unknown_event');
        expect(res.body.reasons).toEqual([
          { code: 'EVENT_UNKNOWN', guard: null, message: '"NO_SUCH_EVENT" is not an event of the person pathway.' },
        ]);
        expect(res.body.detail).toBe(res.body.reasons[0].message);
      });
      // An employer event is unknown to a person case.
      await unchanged(fresh, async () => {
        const res = await api.post(`/cases/${fresh}/events`, { type: 'VACANCIES_DETECTED', count: 3 });
        expectProblem(res, 400, 'VALIDATION_FAILED', `/cases/${fresh}/events`);
        expect(res.body.reasons).toEqual([expect.objectContaining({ code: 'EVENT_UNKNOWN' })]);
      });
    });

    it.each([
      ['If-Match not an ETag', { 'If-Match': 'v1' }, 'header:If-Match'],
      ['If-Match unquoted', { 'If-Match': '1' }, 'header:If-Match'],
      ['Idempotency-Key of 300 characters', { 'Idempotency-Key': 'k'.repeat(300) }, 'header:Idempotency-Key'],
      ['Idempotency-Key with a space', { 'Idempotency-Key': 'a key' }, 'header:Idempotency-Key'],
    ])('a legal event with a bad header: %s', async (_name, headers, field) => {
      await unchanged(guided, async () => {
        const res = await api.post(`/cases/${guided}/events`, GUIDANCE, headers);
        expectProblem(res, 400, 'VALIDATION_FAILED', `/cases/${guided}/events`);
        expect(res.body.errors).toEqual([expect.objectContaining({ field, problem: expect.any(String) })]);
      });
    });

    it('a legal opening with a bad Idempotency-Key', async () => {
      await unchanged(null, async () => {
        const res = await api.post('/cases', { pathway: 'person', subject: SUBJECT }, { 'Idempotency-Key': 'é' });
        expectProblem(res, 400, 'VALIDATION_FAILED', '/cases');
        expect(res.body.errors).toEqual([{ field: 'header:Idempotency-Key', problem: 'format', message: expect.any(String) }]);
      });
    });

    it.each([
      ['limit=0', [{ field: 'query:limit', problem: 'range' }]],
      ['limit=201', [{ field: 'query:limit', problem: 'range' }]],
      ['service=A2', [{ field: 'query:serviceStatus', problem: 'required' }]],
      ['serviceStatus=active', [{ field: 'query:service', problem: 'required' }]],
      [
        'service=Z9&serviceStatus=done',
        [
          { field: 'query:service', problem: 'format' },
          { field: 'query:serviceStatus', problem: 'enum' },
        ],
      ],
      ['colour=red', [{ field: 'query:colour', problem: 'unknown' }]],
      [
        'pathway=nobody&status=open',
        [
          { field: 'query:pathway', problem: 'enum' },
          { field: 'query:status', problem: 'enum' },
        ],
      ],
      ['pathway=constructor', [{ field: 'query:pathway', problem: 'enum' }]],
      ['subject=a&subject=b', [{ field: 'query:subject', problem: 'type' }]],
      ['officeId=Bologna', [{ field: 'query:officeId', problem: 'format' }]],
      ['scope=everyone', [{ field: 'query:scope', problem: 'enum' }]],
      ['cursor=bm9wZQ', [{ field: 'query:cursor', problem: 'format' }]],
    ])('GET /cases?%s', async (query, errors) => {
      const res = await api.get(`/cases?${query}`);
      expectProblem(res, 400, 'VALIDATION_FAILED', `/cases?${query}`);
      expect(res.body.errors).toEqual(expect.arrayContaining(errors.map((e) => expect.objectContaining(e))));
      expect(res.body.errors).toHaveLength(errors.length);
    });

    it('GET /cases/:id/history with bad paging', async () => {
      const res = await api.get(`/cases/${fresh}/history?after=-1&limit=0&page=2`);
      expectProblem(res, 400, 'VALIDATION_FAILED', `/cases/${fresh}/history?after=-1&limit=0&page=2`);
      expect(res.body.errors).toEqual([
        expect.objectContaining({ field: 'query:page', problem: 'unknown' }),
        expect.objectContaining({ field: 'query:after', problem: 'range' }),
        expect.objectContaining({ field: 'query:limit', problem: 'range' }),
      ]);
    });

    it.each(['', '/transitions', '/history'])('GET /cases/:id%s with an id that is not a UUID', async (suffix) => {
      for (const id of ['not-a-uuid', '123', `${fresh}0`, fresh.replace(/[0-9a-f]$/, 'g')]) {
        const res = await api.get(`/cases/${id}${suffix}`);
        expectProblem(res, 400, 'VALIDATION_FAILED', `/cases/${id}${suffix}`);
        expect(res.body.errors).toEqual([expect.objectContaining({ field: 'path:id', problem: 'format' })]);
      }
      const en = await api.get(`/cases/not-a-uuid${suffix}`, { 'Accept-Language': 'en' });
      expectProblem(en, 400, 'VALIDATION_FAILED', `/cases/not-a-uuid${suffix}`, 'en');
      expect(en.body.detail).toBe('Invalid fields: path:id (format).');
    });

    it('POST /cases/:id/events with an id that is not a UUID', async () => {
      await unchanged(fresh, async () => {
        const res = await api.post('/cases/not-a-uuid/events', INTAKE);
        expectProblem(res, 400, 'VALIDATION_FAILED', '/cases/not-a-uuid/events');
        expect(res.body.errors).toEqual([expect.objectContaining({ field: 'path:id', problem: 'format' })]);
      });
    });
  });

  describe('400 MALFORMED_JSON', () => {
    it.each(['{"pathway": "person",', "{'pathway': 'person'}", '{"pathway":"person","subject":"S",}', 'null', '"person"', '42'])(
      'POST /cases %s',
      async (body) => {
        await unchanged(null, async () => {
          expectProblem(await api.post('/cases', body), 400, 'MALFORMED_JSON', '/cases');
        });
      },
    );

    it('POST /cases/:id/events with a truncated legal event', async () => {
      const text = JSON.stringify(GUIDANCE);
      await unchanged(guided, async () => {
        const res = await api.post(`/cases/${guided}/events`, text.slice(0, -1), { 'Accept-Language': 'en' });
        expectProblem(res, 400, 'MALFORMED_JSON', `/cases/${guided}/events`, 'en');
        expect(res.body.detail).toBe('The request body is not valid JSON.');
      });
    });
  });

  describe('404', () => {
    it('CASE_NOT_FOUND for a well-formed id no case has: GET, transitions, history and events', async () => {
      const id = randomUUID();
      for (const path of [`/cases/${id}`, `/cases/${id}/transitions`, `/cases/${id}/history`]) {
        const res = await api.get(path, { 'Accept-Language': 'en' });
        expectProblem(res, 404, 'CASE_NOT_FOUND', path, 'en');
        expect(res.body.detail).toBe(`No case with id ${id}.`);
      }
      await unchanged(null, async () => {
        const res = await api.post(`/cases/${id}/events`, INTAKE);
        expectProblem(res, 404, 'CASE_NOT_FOUND', `/cases/${id}/events`);
        expect(res.body.detail).toBe(`Nessun caso con id ${id}.`);
      });
      // Upper-case ids are the same ids.
      const upper = id.toUpperCase();
      expectProblem(await api.get(`/cases/${upper}`), 404, 'CASE_NOT_FOUND', `/cases/${upper}`);
    });

    it.each([
      ['GET', '/nothing-here'],
      ['GET', '/cases/{fresh}/nothing'],
      ['POST', '/cases/{fresh}/events/more'],
      ['GET', '/cases//history'],
    ])('ROUTE_NOT_FOUND for %s %s', async (method, template) => {
      const path = template.replace('{fresh}', fresh);
      await unchanged(fresh, async () => {
        const res = await api.call(method, path, method === 'POST' ? INTAKE : undefined);
        expectProblem(res, 404, 'ROUTE_NOT_FOUND', path);
        expect(res.headers.get('allow')).toBeNull();
      });
    });
  });

  describe('405 METHOD_NOT_ALLOWED names the allowed methods', () => {
    it.each([
      ['DELETE', '/cases/{fresh}', ['GET', 'HEAD']],
      ['PUT', '/cases/{fresh}', ['GET', 'HEAD']],
      ['POST', '/cases/{fresh}', ['GET', 'HEAD']],
      ['PATCH', '/cases', ['GET', 'HEAD', 'POST']],
      ['GET', '/cases/{fresh}/events', ['POST']],
      ['PUT', '/cases/{fresh}/events', ['POST']],
      ['DELETE', '/cases/{fresh}/history', ['GET', 'HEAD']],
      ['POST', '/health', ['GET', 'HEAD']],
    ])('%s %s', async (method, template, allowed) => {
      const path = template.replace('{fresh}', fresh);
      await unchanged(fresh, async () => {
        const res = await api.call(method, path, ['GET', 'DELETE'].includes(method) ? undefined : INTAKE);
        expectProblem(res, 405, 'METHOD_NOT_ALLOWED', path);
        expect(res.headers.get('allow')).toBe(allowed.join(', '));
        expect(res.body.allowed).toEqual(allowed);
      });
    });
  });

  describe('409 TRANSITION_NOT_ALLOWED carries the machine reasons', () => {
    /** A refused event: 409 with its kind, reasons with codes and messages, the detail their sentences. */
    async function refused(
      id: string,
      event: Record<string, unknown>,
      kind: string,
      codes: string[],
      headers: Record<string, string> = {},
      language: Language = 'it',
    ) {
      let res!: ApiResponse;
      await unchanged(id, async () => {
        res = await api.post(`/cases/${id}/events`, event, headers);
        expectProblem(res, 409, 'TRANSITION_NOT_ALLOWED', `/cases/${id}/events`, language);
      });
      expect(res.body.kind).toBe(kind);
      expect(res.body.reasons.map((r: { code: string }) => r.code)).toEqual(codes);
      for (const reason of res.body.reasons) {
        expect(reason).toEqual(expect.objectContaining({ code: expect.stringMatching(/^[A-Z][A-Z0-9_]+$/), message: expect.any(String) }));
        expect(reason.message.trim().length).toBeGreaterThan(10);
      }
      expect(res.body.detail).toBe(res.body.reasons.map((r: { message: string }) => r.message).join(' '));
      return res;
    }

    it('not_available: EVENT_NOT_AVAILABLE for an event of another state', async () => {
      const res = await refused(fresh, { type: 'PAI_SIGNED', at: ACT_DATE }, 'not_available', ['EVENT_NOT_AVAILABLE']);
      expect(res.body.reasons[0]).toMatchObject({ guard: null, message: expect.stringContaining('PAI_SIGNED non è possibile ora') });
    });

    it('guards_failed: PATTO_NOT_SIGNED (with the preceding service not completed)', async () => {
      const res = await refused(fresh, GUIDANCE, 'guards_failed', ['PRECEDING_SERVICE_NOT_COMPLETED', 'PATTO_NOT_SIGNED']);
      expect(res.body.reasons[1]).toEqual({
        code: 'PATTO_NOT_SIGNED',
        guard: 'pattoSigned',
        message: expect.stringContaining('Patto di Servizio non è stato sottoscritto'),
      });
    });

    it('guards_failed: DURATION_BELOW_MINIMUM', async () => {
      const res = await refused(fresh, { ...INTAKE, minutes: 5 }, 'guards_failed', ['DURATION_BELOW_MINIMUM']);
      expect(res.body.reasons[0]).toMatchObject({
        guard: 'minimumDuration',
        message: expect.stringContaining('almeno 30 minuti; registrati 5'),
      });
    });

    it('guards_failed: DATE_IN_FUTURE', async () => {
      const res = await refused(fresh, { ...INTAKE, at: '2026-12-25' }, 'guards_failed', ['DATE_IN_FUTURE']);
      expect(res.body.reasons[0]).toMatchObject({ guard: 'dateNotInFuture', message: expect.stringContaining('2026-12-25') });
    });

    it('guards_failed: CPI_ONLY_ACT when an accredited operator records a CPI-only act', async () => {
      const res = await refused(fresh, { type: 'MOBILITY_LIST_ENROLLED', at: ACT_DATE }, 'guards_failed', ['CPI_ONLY_ACT'], ACCREDITED);
      expect(res.body.reasons[0]).toMatchObject({
        guard: 'operatorIsCpi',
        message: expect.stringContaining("competenza esclusiva dei Centri per l'Impiego"),
      });
    });

    it('case_closed: CASE_CLOSED after WITHDRAWN, for any event', async () => {
      for (const event of [GUIDANCE, INTAKE, { type: 'WITHDRAWN', reason: 'Again', at: ACT_DATE }]) {
        const res = await refused(closed, event, 'case_closed', ['CASE_CLOSED']);
        expect(res.body.reasons[0]).toMatchObject({ guard: null, message: expect.stringContaining('Il caso è chiuso (withdrawn') });
      }
    });

    it('answers in the language of Accept-Language, with Content-Language', async () => {
      const event = { ...INTAKE, minutes: 5 };
      const answers: Record<string, ApiResponse> = {};
      for (const [header, language] of [
        ['en', 'en'],
        ['it', 'it'],
        ['fr;q=1, en;q=0.5', 'en'],
        ['en-GB,en;q=0.9', 'en'],
        ['de, it;q=0.3, en;q=0.2', 'it'],
        ['fr', 'it'],
      ] as const) {
        answers[header] = await refused(fresh, event, 'guards_failed', ['DURATION_BELOW_MINIMUM'], { 'Accept-Language': header }, language);
      }
      expect(answers.en.body.reasons[0].message).toBe(
        'A.2 Intake, first screening and taking charge: each individual session must last at least 30 minutes; 5 recorded.',
      );
      expect(answers.en.body.title).toBe('Transition not allowed');
      expect(answers.it.body.reasons[0].message).toBe(
        'A.2 Accoglienza, primo filtro e presa in carico: un incontro individuale deve durare almeno 30 minuti; registrati 5.',
      );
      expect(answers.it.body.title).toBe('Passaggio non consentito');
      expect(answers['fr;q=1, en;q=0.5'].body).toEqual({ ...answers.en.body, requestId: answers['fr;q=1, en;q=0.5'].body.requestId });
      expect(answers.fr.body.reasons).toEqual(answers.it.body.reasons);
    });
  });

  describe('GET /cases/:id/transitions', () => {
    const mobility = (res: ApiResponse) => res.body.blocked.find((b: { event: string }) => b.event === 'MOBILITY_LIST_ENROLLED');

    it('lists a CPI-only act as blocked for an accredited operator, with reason CPI_ONLY_ACT, in the language asked', async () => {
      const en = await api.get(`/cases/${fresh}/transitions`, { ...ACCREDITED, 'Accept-Language': 'en' });
      expect(en.status).toBe(200);
      expect(en.body.operator).toEqual({ id: accreditedId, kind: 'accredited' });
      expect(en.body.allowed.map((a: { event: string }) => a.event)).not.toContain('MOBILITY_LIST_ENROLLED');
      expect(mobility(en)).toEqual({
        event: 'MOBILITY_LIST_ENROLLED',
        service: null,
        kind: 'guards_failed',
        reasons: [
          {
            code: 'CPI_ONLY_ACT',
            guard: 'operatorIsCpi',
            message:
              'Enrolment in the mobility lists (L. 236/93) is reserved to the public employment offices (CPI): an accredited operator cannot record it.',
          },
        ],
      });
      // Every message is English, every summary too.
      const blockedMessages: string[] = en.body.blocked.flatMap((b: { reasons: { message: string }[] }) => b.reasons.map((r) => r.message));
      expect(blockedMessages.some((m) => /\b(non|è|deve)\b/.test(m))).toBe(false);
      expect(en.body.allowed.find((a: { event: string }) => a.event === 'INTAKE_SESSION_HELD').summary).toBe('Intake session held');

      const it = await api.get(`/cases/${fresh}/transitions`, ACCREDITED);
      expect(mobility(it).reasons[0].message).toContain("competenza esclusiva dei Centri per l'Impiego");
      expect(it.body.allowed.find((a: { event: string }) => a.event === 'INTAKE_SESSION_HELD').summary).toBe(
        'Colloquio di accoglienza svolto',
      );
    });

    it('lists the same act as allowed for a CPI operator', async () => {
      const res = await api.get(`/cases/${fresh}/transitions`);
      expect(res.body.allowed.map((a: { event: string }) => a.event)).toContain('MOBILITY_LIST_ENROLLED');
      expect(mobility(res)).toBeUndefined();
    });
  });

  describe('412 VERSION_CONFLICT', () => {
    it('refuses a legal event sent with a stale If-Match, and gives the current version and ETag', async () => {
      const current = (await read(guided)).version as number;
      await unchanged(guided, async () => {
        const res = await api.post(`/cases/${guided}/events`, GUIDANCE, {
          'If-Match': `"${current - 1}", "${current + 5}"`,
          'Accept-Language': 'en',
        });
        expectProblem(res, 412, 'VERSION_CONFLICT', `/cases/${guided}/events`, 'en');
        expect(res.body.currentVersion).toBe(current);
        expect(res.headers.get('etag')).toBe(`"${current}"`);
        expect(res.body.detail).toContain(`at version ${current}`);
      });
    });
  });

  describe('413 PAYLOAD_TOO_LARGE', () => {
    it('refuses a body over 64 KiB, on opening and on events', async () => {
      await unchanged(guided, async () => {
        const big = { pathway: 'person', subject: SUBJECT, input: { note: 'x'.repeat(64 * 1024) } };
        expectProblem(await api.post('/cases', big), 413, 'PAYLOAD_TOO_LARGE', '/cases');
        const event = { ...GUIDANCE, note: 'y'.repeat(65 * 1024) };
        const res = await api.post(`/cases/${guided}/events`, event, { 'Accept-Language': 'en' });
        expectProblem(res, 413, 'PAYLOAD_TOO_LARGE', `/cases/${guided}/events`, 'en');
        expect(res.body.detail).toBe('The request body is larger than 64 KiB.');
      });
    });
  });

  describe('415 UNSUPPORTED_MEDIA_TYPE', () => {
    it.each([
      ['text/plain', JSON.stringify(GUIDANCE)],
      ['text/plain;charset=UTF-8', JSON.stringify(GUIDANCE)],
      ['application/x-www-form-urlencoded', 'type=GUIDANCE_SESSION_HELD&mode=individual&minutes=60'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="type"\r\n\r\nGUIDANCE_SESSION_HELD\r\n--x--'],
      ['application/xml', '<event type="GUIDANCE_SESSION_HELD"/>'],
    ])('refuses a legal event sent as %s', async (type, body) => {
      await unchanged(guided, async () => {
        const res = await api.post(`/cases/${guided}/events`, body, { 'content-type': type });
        expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE', `/cases/${guided}/events`);
        expect(res.body.detail).toContain(type.split(';')[0]);
      });
    });

    it('refuses an opening sent as a form', async () => {
      await unchanged(null, async () => {
        const res = await api.post('/cases', 'pathway=person&subject=S', {
          'content-type': 'application/x-www-form-urlencoded',
          'Accept-Language': 'en',
        });
        expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE', '/cases', 'en');
        expect(res.body.detail).toBe("The body must be application/json, not 'application/x-www-form-urlencoded'.");
      });
    });
  });

  describe('422 IDEMPOTENCY_KEY_REUSED', () => {
    it('refuses a key reused with another event body; the same body replays the first answer', async () => {
      const key = `key-${randomUUID()}`;
      const first = await api.post(`/cases/${guided}/events`, GUIDANCE, { 'Idempotency-Key': key });
      expect(first.status).toBe(200);
      await unchanged(guided, async () => {
        const res = await api.post(
          `/cases/${guided}/events`,
          { ...GUIDANCE, minutes: 90 },
          { 'Idempotency-Key': key, 'Accept-Language': 'en' },
        );
        expectProblem(res, 422, 'IDEMPOTENCY_KEY_REUSED', `/cases/${guided}/events`, 'en');
        expect(res.body.detail).toBe(`The idempotency key '${key}' was already used with a different request.`);
        const replay = await api.post(`/cases/${guided}/events`, GUIDANCE, { 'Idempotency-Key': key });
        expect(replay.status).toBe(200);
        expect(replay.headers.get('idempotent-replayed')).toBe('true');
        expect(replay.body).toEqual(first.body);
      });
    });

    it('refuses a key reused with another opening', async () => {
      const key = `key-${randomUUID()}`;
      expect((await api.post('/cases', { pathway: 'person', subject: taxCode() }, { 'Idempotency-Key': key })).status).toBe(201);
      await unchanged(null, async () => {
        const res = await api.post('/cases', { pathway: 'person', subject: taxCode() }, { 'Idempotency-Key': key });
        expectProblem(res, 422, 'IDEMPOTENCY_KEY_REUSED', '/cases');
      });
    });
  });
});
