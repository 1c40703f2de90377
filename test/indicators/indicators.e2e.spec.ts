import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import { calendarDateIn } from '../../machines/case.js';
import { client, startTestApp, type TestApp, type TestOperator } from '../support/test-app.js';
import { taxCode, vatNumber } from '../support/subjects.js';

/**
 * GET /indicators (issue 11, item 3) on a scenario seeded through the API: five persons (one with two
 * cases), three companies (one with a case in each office), a practice case of each pathway that must
 * not count, acts inside and outside the period 2025 (two of them a few minutes from midnight, whose
 * Rome day differs from their UTC day), in two offices A and B. Every expected value is written out
 * by hand below, with why.
 */

const PERIOD = 'from=2025-01-01&to=2025-12-31';
const session = (minutes: number) => ({ mode: 'individual', minutes });

let t: TestApp;
let A: string;
let B: string;
let cmA: TestOperator;
let cmB: TestOperator;
/** Reads offices A and B. */
let analystAB: Record<string, string>;
/** Reads office A only. */
let analystA: TestOperator;
const ids: Record<string, string> = {};

const as = (headers: Record<string, string>) => client(t.url, headers, { anonymous: true });

async function open(by: TestOperator, pathway: 'person' | 'employer', subject: string, practice = false): Promise<string> {
  const r = await as(by.headers).post('/cases', { pathway, subject, ...(practice ? { practice: true } : {}) });
  if (r.status !== 201) throw new Error(`open ${pathway}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id as string;
}

async function act(by: TestOperator, caseId: string, events: Record<string, unknown>[]): Promise<void> {
  for (const event of events) {
    const r = await as(by.headers).post(`/cases/${caseId}/events`, event);
    if (r.status !== 200) throw new Error(`${String(event.type)} on ${caseId}: ${r.status} ${JSON.stringify(r.body)}`);
  }
}

/** A person through intake, DID and Patto (the Patto on `patto`, the DID dated `did`). */
const intake = (day: string, did: string, patto: string) => [
  { type: 'INTAKE_SESSION_HELD', ...session(30), at: day },
  { type: 'REGISTRY_UPDATED', at: day },
  { type: 'DID_RECEIVED', didDate: did, deadlineGroup: 'other', at: day },
  { type: 'DID_CERTIFICATION_REQUESTED', at: day },
  { type: 'PATTO_SIGNED', at: patto },
];

/** A company through B.1 and B.2 (contacted on `day`), with its vacancies recorded. */
const companyUpToPlan = (day: string, vacancies: string[]) => [
  { type: 'COMPANY_CONTACTED', channel: 'phone', at: day },
  { type: 'SCOUTING_MEETING_HELD', ...session(30), location: 'company', at: day },
  { type: 'INTEREST_EXPRESSED', at: day },
  { type: 'EMPLOYER_INTAKE_HELD', ...session(30), at: day },
  { type: 'COMPANY_RECORD_UPDATED', at: day },
  ...vacancies.map((vacancyId) => ({ type: 'VACANCY_RECORDED', vacancyId, profile: 'Saldatore', positions: 1, at: day })),
  { type: 'PATTO_SIGNED', at: day },
  { type: 'ACTION_PLAN_OPENED', at: day },
];

async function newOperatorOf(officeIds: string[], roles: string[]): Promise<Record<string, string>> {
  const post = async (path: string, body: unknown) => {
    const r = await client(t.url, t.admin, { anonymous: true }).post(path, body);
    if (r.status !== 201) throw new Error(`POST ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const operator = await post('/admin/operators', {
    username: `reader.${Math.random().toString(36).slice(2, 10)}`,
    name: 'Lettore',
    roles,
    officeIds,
  });
  const token = await post(`/admin/operators/${operator.id}/tokens`, { name: 'tests' });
  return { authorization: `Bearer ${token.token}` };
}

/** The indicators as {id: value}, and the dimensions' extras as {id: {byMonth (non-zero months), median}}. */
function values(body: any): Record<string, number> {
  return Object.fromEntries(body.indicators.map((i: any) => [i.id, i.value]));
}
function dimensions(body: any): Record<string, { months: Record<string, number>; median: number | null }> {
  return Object.fromEntries(
    body.indicators
      .filter((i: any) => i.byMonth)
      .map((i: any) => [
        i.id,
        {
          months: Object.fromEntries(i.byMonth.filter((m: any) => m.count > 0).map((m: any) => [m.month, m.count])),
          median: i.medianDaysFromDid,
        },
      ]),
  );
}

beforeAll(async () => {
  t = await startTestApp();
  cmA = await t.newOperator({ roles: ['case_manager'] });
  A = cmA.officeId!;
  // Office B: another office of A's agency (an operator's offices are all of one agency).
  const office = await client(t.url, t.admin, { anonymous: true }).post('/admin/offices', { name: 'Sede B', agencyId: cmA.agencyId });
  B = office.body.id as string;
  cmB = await t.newOperator({ roles: ['case_manager'], officeId: B });
  analystAB = await newOperatorOf([A, B], ['analyst']);
  analystA = await t.newOperator({ roles: ['analyst'], officeId: A });

  const [S1, S2, S3, S4, S5] = [taxCode(), taxCode(), taxCode(), taxCode(), taxCode()];
  const [C1, C2, C4] = [vatNumber(), vatNumber(), vatNumber()];

  // E3: company C1 in office B, contacted in March 2025, then withdrawn: a company has one open case
  // per pathway in an agency, so C1's case in office A (E1) opens once E3 is closed.
  ids.E3 = await open(cmB, 'employer', C1);
  await act(cmB, ids.E3, [
    { type: 'COMPANY_CONTACTED', channel: 'visit', at: '2025-03-01' },
    { type: 'WITHDRAWN', reason: 'Seguita dalla sede A', at: '2025-03-02' },
  ]);
  // Employer E1 (company C1, office A): vacancies V-1 and V-2 recorded in January 2025.
  ids.E1 = await open(cmA, 'employer', C1);
  await act(cmA, ids.E1, [
    ...companyUpToPlan('2025-01-10', ['V-1', 'V-2']),
    { type: 'CONSULTING_SESSION_HELD', ...session(60), topic: 'Contratti', at: '2025-02-01' },
  ]);

  // P1 (S1, office A): every person-side service, two traineeships, sent to E1's V-1 and hired.
  ids.P1 = await open(cmA, 'person', S1);
  await act(cmA, ids.P1, [
    { type: 'INFORMATION_GIVEN', referral: 'A2', at: '2025-01-10' },
    ...intake('2025-01-15', '2025-01-15', '2025-01-20'),
    { type: 'GUIDANCE_SESSION_HELD', ...session(60), at: '2025-02-01' },
    { type: 'PAI_SIGNED', at: '2025-02-10' },
    { type: 'TRAINING_REFERRED', course: 'Saldatura', at: '2025-02-15' },
    { type: 'TRAINING_ENROLLED', at: '2025-02-20' },
    { type: 'TRAINING_COMPLETED', at: '2025-03-01' },
    { type: 'JOB_SEARCH_SESSION_HELD', ...session(120), at: '2025-03-05' },
    { type: 'TRAINEESHIP_ACTIVATED', host: 'Officine Rossi', at: '2025-03-10' },
    { type: 'TRAINEESHIP_ACTIVATED', host: 'Officine Bianchi', at: '2025-03-12' },
    { type: 'MATCHING_SESSION_HELD', ...session(120), at: '2025-03-20' },
    { type: 'CANDIDATE_PRESELECTED', vacancyId: 'V-1', at: '2025-03-25' },
    { type: 'SENT_TO_INTERVIEW', vacancyId: 'V-1', employerCaseId: ids.E1, at: '2025-04-01' },
  ]);
  // S2's first case (office A): informed and taken in, then withdrawn.
  ids.P2a = await open(cmA, 'person', S2);
  await act(cmA, ids.P2a, [
    { type: 'INFORMATION_GIVEN', referral: 'A2', at: '2025-02-01' },
    { type: 'INTAKE_SESSION_HELD', ...session(30), at: '2025-02-01' },
    { type: 'WITHDRAWN', reason: 'Trasferito', at: '2025-02-02' },
  ]);
  // S2's second case (office A): informed and taken in again, Patto signed, PAI refused.
  ids.P2b = await open(cmA, 'person', S2);
  await act(cmA, ids.P2b, [
    { type: 'INFORMATION_GIVEN', referral: 'A2', at: '2025-06-01' },
    ...intake('2025-06-01', '2025-05-20', '2025-06-01'),
    { type: 'GUIDANCE_SESSION_HELD', ...session(60), at: '2025-06-10' },
    { type: 'PAI_REFUSED', reason: 'Non interessato', at: '2025-06-12' },
  ]);
  // P3 (S3, office B): PAI, counselling, sent for V-2 to an employer named by a free reference, not a
  // case id (a one-sided act, as before matching acts: E1 never puts S3 forward); a job-search
  // session at 23:30 UTC on 31 December, already 1 January 2026 in Rome: outside the period.
  ids.P3 = await open(cmB, 'person', S3);
  await act(cmB, ids.P3, [
    { type: 'INFORMATION_GIVEN', referral: 'A2', at: '2025-03-01' },
    ...intake('2025-03-01', '2025-02-15', '2025-03-03'),
    { type: 'GUIDANCE_SESSION_HELD', ...session(60), at: '2025-03-10' },
    { type: 'PAI_SIGNED', at: '2025-03-20' },
    { type: 'SPECIFIC_NEED_RECORDED', description: 'Bilancio delle competenze', at: '2025-03-25' },
    { type: 'COUNSELLING_MEETING_HELD', ...session(60), at: '2025-04-01' },
    { type: 'MATCHING_SESSION_HELD', ...session(120), at: '2025-05-01' },
    { type: 'CANDIDATE_PRESELECTED', vacancyId: 'V-2', at: '2025-05-02' },
    { type: 'SENT_TO_INTERVIEW', vacancyId: 'V-2', employerCaseId: 'AZIENDA-E1', at: '2025-05-05' },
    { type: 'JOB_SEARCH_SESSION_HELD', ...session(120), at: '2025-12-31T23:30:00.000Z' },
  ]);
  // P4 (S4, office A): intake in 2024; the Patto at 23:30 UTC on 31 December 2024, which is already
  // 1 January 2025 in Rome: inside the period; guidance in January 2026: outside.
  ids.P4 = await open(cmA, 'person', S4);
  await act(cmA, ids.P4, [
    ...intake('2024-11-01', '2024-11-01', '2024-12-31T23:30:00.000Z'),
    { type: 'GUIDANCE_SESSION_HELD', ...session(60), at: '2026-01-02' },
  ]);
  // A practice case (S5, office A), and a practice company (C4): never counted.
  ids.P5 = await open(cmA, 'person', S5, true);
  await act(cmA, ids.P5, [
    { type: 'INFORMATION_GIVEN', referral: 'A2', at: '2025-03-01' },
    ...intake('2025-03-01', '2025-03-01', '2025-03-01'),
  ]);
  ids.E4 = await open(cmA, 'employer', C4, true);
  await act(cmA, ids.E4, companyUpToPlan('2025-03-01', ['V-P']));

  // P1's sending named E1's case: a matching act, so E1 put S1 forward for V-1 in the same transaction
  // (its 12th event). E1 puts S2 forward for V-2 by a free reference (S2 was never sent: unmatched)
  // and declares it will hire for V-1; the match's outcome hires S1: HIRED on P1, CANDIDATE_HIRED on E1.
  await act(cmA, ids.E1, [
    { type: 'CANDIDATE_PUT_FORWARD', vacancyId: 'V-2', personCaseId: 'CANDIDATO-S2', at: '2025-04-02' },
    { type: 'HIRING_DECLARED', vacancyId: 'V-1', at: '2025-04-10' },
  ]);
  const matches = await as(cmA.headers).get(`/matches?personCaseId=${ids.P1}`);
  expect(matches.body.items).toHaveLength(1);
  const hired = await as(cmA.headers).post(`/matches/${matches.body.items[0].id}/outcome`, {
    outcome: 'hired',
    contractType: 'permanent',
    contractStartDate: '2025-05-02',
    at: '2025-04-20',
  });
  expect(hired.status).toBe(201);
  // E2 (C2, office B): contacted, interested and met in December 2024 (outside), taken in with V-1
  // (a vacancy id E1 uses too: another company's vacancy) in February 2025.
  ids.E2 = await open(cmB, 'employer', C2);
  await act(cmB, ids.E2, [
    { type: 'COMPANY_CONTACTED', channel: 'email', at: '2024-12-01' },
    { type: 'SCOUTING_MEETING_HELD', ...session(30), location: 'office', at: '2024-12-02' },
    { type: 'INTEREST_EXPRESSED', at: '2024-12-03' },
    { type: 'EMPLOYER_INTAKE_HELD', ...session(30), at: '2025-02-04' },
    { type: 'COMPANY_RECORD_UPDATED', at: '2025-02-04' },
    { type: 'VACANCY_RECORDED', vacancyId: 'V-1', profile: 'Magazziniere', positions: 3, at: '2025-02-05' },
  ]);
}, 300_000);

afterAll(async () => {
  await t?.close();
});

describe('GET /indicators: every value of the seeded scenario, computed by hand', () => {
  it('both offices: distinct persons and companies across cases and offices, acts counted as acts, practice cases left out', async () => {
    const r = await as(analystAB).get(`/indicators?${PERIOD}`);
    expect(r.status).toBe(200);
    expect(r.body.from).toBe('2025-01-01');
    expect(r.body.to).toBe('2025-12-31');
    expect(r.body.officeIds).toEqual([A, B].sort());
    expect(r.body.indicators.map((i: any) => i.id)).toEqual([
      '1.1', '2.1', '2.2', '3.1', '3.2', '3.3', '3.4', '3.5', '3.6', '4.1', '5.1', '5.2', '6.1', '6.2', '6.3', '6.4',
      '7.1', '7.2', '8.1', '8.2', '8.3', '8.4', '9.1', '10.1', '10.2', '10.3',
    ]); // prettier-ignore
    expect(values(r.body)).toEqual({
      '1.1': 3, // S1, S2 (informed on both its cases: once), S3; the practice S5 not
      '2.1': 3, // S1, S2 (both cases), S3; S4's intake was in 2024
      '2.2': 4, // S1 (20/1), S2 (1/6, second case), S3 (3/3), S4 (31/12 23:30 UTC = 1/1 in Rome)
      '3.1': 3, // S1, S2, S3; S4's guidance is in 2026
      '3.2': 2, // S1 (10/2), S3 (20/3)
      '3.3': 1, // S2
      '3.4': 1, // S1
      '3.5': 1, // S1
      '3.6': 1, // S1
      '4.1': 1, // S3
      '5.1': 1, // S1; S3's session is 1/1/2026 in Rome
      '5.2': 2, // two traineeships activated (acts), both S1's
      '6.1': 2, // S1, S3
      '6.2': 2, // S1, S3
      '6.3': 1, // S1
      '6.4': 1, // S1
      '7.1': 1, // C1 (E1 in A and E3 in B: one company); C2 was contacted in 2024
      '7.2': 1, // C1; C2's interest was in 2024
      '8.1': 2, // C1, C2
      '8.2': 1, // C1
      '8.3': 2, // C1, C2
      '8.4': 3, // E1's V-1 and V-2, E2's V-1 (another company's vacancy)
      '9.1': 1, // C1
      '10.1': 2, // E1's two put-forward acts
      '10.2': 1, // C1
      '10.3': 1, // C1
    });
    expect(r.body.indicators.find((i: any) => i.id === '1.1')).toEqual({
      id: '1.1',
      label: { it: 'N° utenti che hanno fruito del servizio di informazione', en: 'Users who received the information service' },
      unit: 'persons',
      value: 3,
    });
    expect(Object.fromEntries(r.body.indicators.map((i: any) => [i.id, i.unit]))).toMatchObject({
      '2.1': 'persons',
      '5.2': 'traineeships',
      '7.1': 'companies',
      '8.4': 'vacancies',
      '10.1': 'candidates',
    });
    expect(dimensions(r.body)).toEqual({
      // Patto: S1 and S4 in January, S3 in March, S2 in June; days from the DID: S1 5 (15/1 -> 20/1),
      // S2 12 (20/5 -> 1/6), S3 16 (15/2 -> 3/3), S4 61 (1/11/2024 -> 1/1/2025): median (12 + 16) / 2.
      '2.2': { months: { '2025-01': 2, '2025-03': 1, '2025-06': 1 }, median: 14 },
      // PAI: S1 in February (26 days from 15/1), S3 in March (33 days from 15/2): median 29.5.
      '3.2': { months: { '2025-02': 1, '2025-03': 1 }, median: 29.5 },
      // Contract start 2/5/2025 (hired on 20/4): 107 days from the DID of 15/1.
      '6.4': { months: { '2025-05': 1 }, median: 107 },
    });
    // 6.2 / 10.1: P1's and P3's sendings, E1's two put-forwards; P1 <-> E1 (V-1) match, E1's V-2 act
    // for P2b (never sent) and P3's sending for V-2 (never put forward) do not: in the order of their dates.
    expect(r.body.consistency).toEqual({
      '6.2': 2,
      '10.1': 2,
      unmatched: [
        { side: 'employer', caseId: ids.E1, sequence: 13, at: '2025-04-02T00:00:00.000Z', vacancyId: 'V-2' },
        { side: 'person', caseId: ids.P3, sequence: 14, at: '2025-05-05T00:00:00.000Z', vacancyId: 'V-2' },
      ],
    });
    // byMonth lists every month of the period, the empty ones with 0.
    const patto = r.body.indicators.find((i: any) => i.id === '2.2');
    expect(patto.byMonth.map((m: any) => m.month)).toEqual(Array.from({ length: 12 }, (_, i) => `2025-${String(i + 1).padStart(2, '0')}`));
    expect(r.body.indicators.find((i: any) => i.id === '1.1')).not.toHaveProperty('byMonth');
  });
});

describe('GET /indicators: offices, reach and roles', () => {
  // Office A: P1, P2a, P2b, P4, E1. Office B: P3, E2, E3.
  const officeA = {
    '1.1': 2, // S1, S2
    '2.1': 2, // S1, S2
    '2.2': 3, // S1, S2, S4
    '3.1': 2, // S1, S2
    '3.2': 1, // S1
    '3.3': 1, // S2
    '3.4': 1,
    '3.5': 1,
    '3.6': 1,
    '4.1': 0, // S3 is in B
    '5.1': 1,
    '5.2': 2,
    '6.1': 1,
    '6.2': 1,
    '6.3': 1,
    '6.4': 1,
    '7.1': 1, // C1 (E1)
    '7.2': 1,
    '8.1': 1,
    '8.2': 1,
    '8.3': 1,
    '8.4': 2, // E1's V-1 and V-2
    '9.1': 1,
    '10.1': 2,
    '10.2': 1,
    '10.3': 1,
  };
  const officeB = {
    '1.1': 1, // S3
    '2.1': 1,
    '2.2': 1,
    '3.1': 1,
    '3.2': 1,
    '3.3': 0,
    '3.4': 0,
    '3.5': 0,
    '3.6': 0,
    '4.1': 1,
    '5.1': 0, // 1 January 2026 in Rome
    '5.2': 0,
    '6.1': 1,
    '6.2': 1,
    '6.3': 0,
    '6.4': 0,
    '7.1': 1, // C1 again (E3): counted in B's figures too
    '7.2': 0,
    '8.1': 1, // C2
    '8.2': 0,
    '8.3': 1,
    '8.4': 1, // E2's V-1
    '9.1': 0,
    '10.1': 0,
    '10.2': 0,
    '10.3': 0,
  };

  it('officeId: one office, its own figures and consistency check', async () => {
    const [a, b] = await Promise.all([
      as(analystAB).get(`/indicators?${PERIOD}&officeId=${A}`),
      as(analystAB).get(`/indicators?${PERIOD}&officeId=${B}`),
    ]);
    expect(a.body.officeIds).toEqual([A]);
    expect(values(a.body)).toEqual(officeA);
    // Patto in A: S1 (5 days), S4 (61), S2 (12): median 12.
    expect(dimensions(a.body)['2.2']).toEqual({ months: { '2025-01': 2, '2025-06': 1 }, median: 12 });
    expect(values(b.body)).toEqual(officeB);
    // A: P1's sending and E1's two put-forwards; E1's V-2 one (its 13th event) has no sending on P2b.
    expect(a.body.consistency).toEqual({
      '6.2': 1,
      '10.1': 2,
      unmatched: [{ side: 'employer', caseId: ids.E1, sequence: 13, at: '2025-04-02T00:00:00.000Z', vacancyId: 'V-2' }],
    });
    // B: P3's sending to E1 for V-2 (its 14th event, after the opening and 12 acts), which E1 never put forward.
    expect(b.body.consistency).toEqual({
      '6.2': 1,
      '10.1': 0,
      unmatched: [{ side: 'person', caseId: ids.P3, sequence: 14, at: '2025-05-05T00:00:00.000Z', vacancyId: 'V-2' }],
    });
  });

  it("an analyst of office A sees A's figures by default, and gets 403 for office B", async () => {
    const own = await as(analystA.headers).get(`/indicators?${PERIOD}`);
    expect(own.status).toBe(200);
    expect(own.body.officeIds).toEqual([A]);
    expect(values(own.body)).toEqual(officeA);
    const other = await as(analystA.headers).get(`/indicators?${PERIOD}&officeId=${B}`);
    expect(other.status).toBe(403);
    expect(other.body.code).toBe('FORBIDDEN');
  });

  it('pathway=person or employer: that side only', async () => {
    const [person, employer] = await Promise.all([
      as(analystAB).get(`/indicators?${PERIOD}&pathway=person`),
      as(analystAB).get(`/indicators?${PERIOD}&pathway=employer`),
    ]);
    expect(person.body.indicators.map((i: any) => i.id)).toEqual(Object.keys(officeA).slice(0, 16));
    expect(employer.body.indicators.map((i: any) => i.id)).toEqual(Object.keys(officeA).slice(16));
    expect(values(employer.body)['7.1']).toBe(1);
  });

  it('only analysts, supervisors and admins read them: case managers and trainers get 403', async () => {
    const statuses: Record<string, number> = {};
    for (const role of ['analyst', 'supervisor', 'admin', 'case_manager', 'trainer', 'integration']) {
      const reader = await t.newOperator({ roles: [role], officeId: A });
      statuses[role] = (await as(reader.headers).get(`/indicators?${PERIOD}`)).status;
    }
    expect(statuses).toEqual({ analyst: 200, supervisor: 200, admin: 200, case_manager: 403, trainer: 403, integration: 403 });
    expect((await client(t.url, {}, { anonymous: true }).get('/indicators')).status).toBe(401);
  });

  it('refuses bad periods and values with 400 VALIDATION_FAILED naming the field', async () => {
    const fields = async (query: string) => {
      const r = await as(analystAB).get(`/indicators?${query}`);
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('VALIDATION_FAILED');
      return r.body.errors.map((e: any) => `${e.field} ${e.problem}`);
    };
    expect(await fields('from=2025-02-30&to=2025-03-01')).toEqual(['query:from format']);
    expect(await fields('from=2025-1-1')).toEqual(['query:from format']);
    expect(await fields('from=2025-06-01&to=2025-05-31')).toEqual(['query:from range']);
    expect(await fields('from=2000-01-01&to=2025-01-01')).toEqual(['query:to range']);
    expect(await fields('officeId=ufficio&pathway=all&format=xml&limit=3')).toEqual([
      'query:limit unknown',
      'query:officeId format',
      'query:pathway enum',
      'query:format enum',
    ]);
  });

  it('defaults to the calendar year to date in Rome', async () => {
    const today = calendarDateIn('Europe/Rome', Date.now());
    const r = await as(analystAB).get('/indicators');
    expect(r.status).toBe(200);
    expect({ from: r.body.from, to: r.body.to }).toEqual({ from: `${today.slice(0, 4)}-01-01`, to: today });
    const to = await as(analystAB).get('/indicators?to=2025-06-30');
    expect({ from: to.body.from, to: to.body.to }).toEqual({ from: '2025-01-01', to: '2025-06-30' });
  });
});

describe('GET /indicators as CSV', () => {
  it('one row per office and indicator, semicolons, UTF-8 with a BOM, labels in the request language: the same figures', async () => {
    for (const [request, language] of [
      [{ accept: 'text/csv' }, 'it'],
      [{ accept: 'text/csv', 'accept-language': 'en' }, 'en'],
    ] as const) {
      const response = await fetch(`${t.url}/indicators?${PERIOD}`, { headers: { ...analystAB, ...request } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      const bytes = new Uint8Array(await response.arrayBuffer());
      expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
      expect(text.slice(1).split('\r\n')[0]).toBe('officeId;indicator;label;value');
      const rows: Record<string, string>[] = parse(text, { bom: true, delimiter: ';', columns: true });
      expect(rows).toHaveLength(2 * 26);
      const perOffice = async (officeId: string) =>
        values((await as({ ...analystAB, 'accept-language': language }).get(`/indicators?${PERIOD}&officeId=${officeId}`)).body);
      for (const officeId of [A, B]) {
        const csv = Object.fromEntries(rows.filter((r) => r.officeId === officeId).map((r) => [r.indicator, Number(r.value)]));
        expect(csv).toEqual(await perOffice(officeId));
      }
      const label = rows.find((r) => r.indicator === '1.1')!.label;
      expect(label).toBe(
        language === 'it' ? 'N° utenti che hanno fruito del servizio di informazione' : 'Users who received the information service',
      );
    }
  });

  it('format=csv asks for it without the Accept header; format=json wins over it', async () => {
    const csv = await fetch(`${t.url}/indicators?${PERIOD}&format=csv&officeId=${A}`, { headers: analystAB });
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(parse(await csv.text(), { bom: true, delimiter: ';', columns: true })).toHaveLength(26);
    const json = await as({ ...analystAB, accept: 'text/csv' }).get(`/indicators?${PERIOD}&format=json`);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(values(json.body)['1.1']).toBe(3);
  });
});

describe('GET /indicators is live', () => {
  it('an act recorded now counts in the next request; a matching act recorded now counts on both sides, matched', async () => {
    const today = calendarDateIn('Europe/Rome', Date.now());
    const before = await as(analystAB).get(`/indicators?from=2025-01-01&to=${today}`);
    const P6 = await open(cmB, 'person', taxCode());
    await act(cmB, P6, [{ type: 'INFORMATION_GIVEN', referral: 'external', externalService: 'Caf', at: today }]);
    const after = await as(analystAB).get(`/indicators?from=2025-01-01&to=${today}`);
    expect(values(after.body)['1.1']).toBe(values(before.body)['1.1'] + 1);
    // A matching act now (S3 sent to E1 for V-2, by a case manager of both offices): one more act on
    // each side, matched; the two one-sided acts stay unmatched.
    const cmAB = await newOperatorOf([A, B], ['case_manager']);
    const match = await as(cmAB).post('/matches', { personCaseId: ids.P3, employerCaseId: ids.E1, vacancyId: 'V-2', at: '2025-05-06' });
    expect(match.status).toBe(201);
    const checked = await as(analystAB).get(`/indicators?${PERIOD}`);
    expect(checked.body.consistency).toEqual({
      '6.2': 3,
      '10.1': 3,
      unmatched: [
        { side: 'employer', caseId: ids.E1, sequence: 13, at: '2025-04-02T00:00:00.000Z', vacancyId: 'V-2' },
        { side: 'person', caseId: ids.P3, sequence: 14, at: '2025-05-05T00:00:00.000Z', vacancyId: 'V-2' },
      ],
    });
    expect(values(checked.body)['10.1']).toBe(3);
  });
});
