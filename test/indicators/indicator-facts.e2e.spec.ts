import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FACTS_BACKFILL, FEEDS } from '../../src/database/migrations/1796560000000-indicator-facts.js';
import { feedTable } from '../../machines/indicator-facts.js';
import { client, startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { taxCode, vatNumber } from '../support/subjects.js';

/**
 * indicator_facts, the table GET /indicators reads: written with each event, moved by a transfer,
 * none for practice cases, and the same rows as the migration's backfill from the event log.
 */
const session = { mode: 'individual', minutes: 30 };

describe('indicator facts', () => {
  let t: TestApp;
  let api: Client;

  beforeAll(async () => {
    t = await startTestApp();
    api = client(t.url);
  });
  afterAll(() => t.close());

  const open = async (pathway: 'person' | 'employer', subject: string, practice = false) => {
    const r = await api.post('/cases', { pathway, subject, ...(practice ? { practice: true } : {}) });
    expect(r.status).toBe(201);
    return r.body.id as string;
  };
  const act = async (caseId: string, events: Record<string, unknown>[]) => {
    for (const event of events) expect((await api.post(`/cases/${caseId}/events`, event)).status).toBe(200);
  };
  const facts = (caseId?: string) =>
    t.dataSource.query<Record<string, unknown>[]>(
      `SELECT case_id, sequence, indicator, office_id, s.subject, to_char(day, 'YYYY-MM-DD') AS day, to_char(dated, 'YYYY-MM-DD') AS dated,
              to_char(did, 'YYYY-MM-DD') AS did, vacancy, other_case
         FROM indicator_facts f JOIN indicator_subjects s ON s.id = f.subject_id ${caseId ? 'WHERE case_id = $1' : ''} ORDER BY case_id, sequence, indicator`,
      caseId ? [caseId] : [],
    );

  it('the migration backfills from the feeding events as the catalogues have them now', () => {
    expect(FEEDS.map(([pathway, type, indicator, datedBy]) => ({ pathway, type, indicator, datedBy }))).toEqual(feedTable());
  });

  it('are written with each act (its day in Rome, the payload date, the consistency fields), none for a practice case', async () => {
    const person = await open('person', taxCode());
    await act(person, [
      { type: 'INFORMATION_GIVEN', referral: 'A2', at: '2025-03-31T22:30:00.000Z' },
      { type: 'INTAKE_SESSION_HELD', ...session, at: '2025-04-02' },
      { type: 'REGISTRY_UPDATED', at: '2025-04-02' },
      { type: 'DID_RECEIVED', didDate: '2025-03-15', deadlineGroup: 'other', at: '2025-04-02' },
      { type: 'DID_CERTIFICATION_REQUESTED', at: '2025-04-02' },
      { type: 'PATTO_SIGNED', at: '2025-04-05' },
    ]);
    const employer = await open('employer', vatNumber());
    await act(employer, [
      { type: 'COMPANY_CONTACTED', channel: 'phone', at: '2025-04-03' },
      { type: 'SCOUTING_MEETING_HELD', ...session, location: 'company', at: '2025-04-03' },
      { type: 'INTEREST_EXPRESSED', at: '2025-04-03' },
      { type: 'EMPLOYER_INTAKE_HELD', ...session, at: '2025-04-03' },
      { type: 'COMPANY_RECORD_UPDATED', at: '2025-04-03' },
      { type: 'VACANCY_RECORDED', vacancyId: 'V-9', profile: 'Saldatore', positions: 1, at: '2025-04-03' },
      { type: 'PATTO_SIGNED', at: '2025-04-03' },
      { type: 'ACTION_PLAN_OPENED', at: '2025-04-03' },
      { type: 'CANDIDATE_PUT_FORWARD', vacancyId: 'V-9', personCaseId: 'CANDIDATO-X', at: '2025-04-04' },
    ]);
    const practice = await open('person', taxCode(), true);
    await act(practice, [{ type: 'INFORMATION_GIVEN', referral: 'A2', at: '2025-04-01' }]);

    const office = t.operator.officeId;
    // 22:30 UTC on 31 March is 1 April in Rome (summer time); the DID date is the one in force at the act.
    expect(
      (await facts(person)).map(({ sequence, indicator, office_id, day, did }) => ({ sequence, indicator, office_id, day, did })),
    ).toEqual([
      { sequence: 2, indicator: '1.1', office_id: office, day: '2025-04-01', did: null },
      { sequence: 3, indicator: '2.1', office_id: office, day: '2025-04-02', did: null },
      { sequence: 7, indicator: '2.2', office_id: office, day: '2025-04-05', did: '2025-03-15' },
    ]);
    expect(
      (await facts(employer)).map(({ sequence, indicator, vacancy, other_case }) => ({ sequence, indicator, vacancy, other_case })),
    ).toEqual([
      { sequence: 2, indicator: '7.1', vacancy: null, other_case: null },
      { sequence: 4, indicator: '7.2', vacancy: null, other_case: null },
      { sequence: 5, indicator: '8.1', vacancy: null, other_case: null },
      { sequence: 7, indicator: '8.3', vacancy: null, other_case: null },
      { sequence: 7, indicator: '8.4', vacancy: null, other_case: null },
      { sequence: 8, indicator: '8.2', vacancy: null, other_case: null },
      { sequence: 10, indicator: '10.1', vacancy: 'V-9', other_case: 'CANDIDATO-X' },
    ]);
    expect(await facts(practice)).toEqual([]);
  });

  it('move with a transfer: the acts count for the office the case is in now', async () => {
    const there = await t.newOperator({ roles: ['case_manager', 'supervisor'] });
    const readerHere = await t.newOperator({ roles: ['analyst'], officeId: t.operator.officeId });
    const readerThere = await t.newOperator({ roles: ['analyst'], officeId: there.officeId });
    const subject = taxCode();
    const person = await open('person', subject);
    await act(person, [{ type: 'INFORMATION_GIVEN', referral: 'A2', at: '2025-05-01' }]);
    const informed = async (reader: Record<string, string>, officeId: string) => {
      const r = await client(t.url, reader, { anonymous: true }).get(`/indicators?from=2025-05-01&to=2025-05-01&officeId=${officeId}`);
      expect(r.status).toBe(200);
      return r.body.indicators.find((i: { id: string }) => i.id === '1.1').value as number;
    };
    const before = await informed(readerHere.headers, t.operator.officeId!);
    const moved = await api.post(`/cases/${person}/transfer`, { officeId: there.officeId, reason: 'Trasferimento' });
    expect(moved.status).toBe(200);
    expect((await facts(person)).map((f) => f.office_id)).toEqual([there.officeId]);
    expect(await informed(readerHere.headers, t.operator.officeId!)).toBe(before - 1);
    expect(await informed(readerThere.headers, there.officeId!)).toBe(1);
    // An act after the transfer is written for the new office.
    await client(t.url, there.headers).post(`/cases/${person}/events`, { type: 'INTAKE_SESSION_HELD', ...session, at: '2025-05-02' });
    expect((await facts(person)).map((f) => [f.indicator, f.office_id])).toEqual([
      ['1.1', there.officeId],
      ['2.1', there.officeId],
    ]);
  });

  it("are the rows the backfill writes from the event log (the DID: the case's, in force at the acts here)", async () => {
    const written = (await facts()).map((f) => ({ ...f, did: f.indicator === '2.2' ? f.did : 'any' }));
    expect(written.length).toBeGreaterThan(5);
    await t.dataSource.transaction(async (db) => {
      await db.query('DELETE FROM indicator_facts');
      await db.query('DELETE FROM indicator_subjects');
      for (const statement of FACTS_BACKFILL) await db.query(statement);
    });
    // The backfill reads the case's DID (the only one it knows): the acts before it get it too.
    expect((await facts()).map((f) => ({ ...f, did: f.indicator === '2.2' ? f.did : 'any' }))).toEqual(written);
  });
});
