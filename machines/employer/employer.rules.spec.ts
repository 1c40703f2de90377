/**
 * The employer pathway's rules (standards.md, Tipologia B), one by one: every access rule refuses
 * with its exact code and allows once met, every minimum duration at its exact boundary, and
 * `explain` naming every failed guard in both languages. Cases are driven through the real engine.
 */
import { describe, expect, it } from '@jest/globals';
import { explain } from '../explain.js';
import {
  ACCREDITED,
  ACT_DATE,
  anEmployerCase,
  assertReadable,
  session,
  type CaseDriver,
  type EmployerStage,
  type EventInput,
} from '../testing/case-factory.js';
import { EMPLOYER_EVENTS } from './employer.events.js';
import type { EmployerContext } from './employer.machine.js';

const ctx = (driver: CaseDriver): EmployerContext => driver.snapshot.context as EmployerContext;

const scouting = (minutes = 30, mode = 'individual'): EventInput => ({
  type: 'SCOUTING_MEETING_HELD',
  ...session(mode, minutes),
  location: 'office',
});
const intake = (minutes = 30, mode = 'individual'): EventInput => ({ type: 'EMPLOYER_INTAKE_HELD', ...session(mode, minutes) });
const companyRecord = { type: 'COMPANY_RECORD_UPDATED' };
const vacancy = { type: 'VACANCY_RECORDED', vacancyId: 'V-1', profile: 'Welder', positions: 2 };
const consulting = { type: 'CONSULTING_SESSION_HELD', ...session('individual', 45), topic: 'Apprenticeship contracts' };
const candidate = (vacancyId = 'V-1'): EventInput => ({ type: 'CANDIDATE_PUT_FORWARD', vacancyId, personCaseId: 'P-1' });

/** B.2 run to completion (Patto signed, action plan opened) without any B.1. */
const b2OnlyCompleted = (): CaseDriver =>
  anEmployerCase('new')
    .apply(intake())
    .apply(companyRecord)
    .apply(vacancy)
    .apply({ type: 'PATTO_SIGNED' })
    .apply({ type: 'ACTION_PLAN_OPENED' });

/** B.1 completed, B.2 under way with company record and vacancy but no Patto yet. */
const b1DoneB2Open = (): CaseDriver => anEmployerCase('interest').apply(intake()).apply(companyRecord).apply(vacancy);

describe('employer access rules', () => {
  describe('B.1: interest needs a scouting meeting', () => {
    it('refuses interest after a mere contact (SCOUTING_MEETING_NOT_HELD)', () => {
      expect(anEmployerCase('contacted').codes({ type: 'INTEREST_EXPRESSED' })).toEqual(['SCOUTING_MEETING_NOT_HELD']);
    });

    it('refuses vacancies detected before a scouting meeting', () => {
      expect(anEmployerCase('contacted').codes({ type: 'VACANCIES_DETECTED', count: 3 })).toEqual(['SCOUTING_MEETING_NOT_HELD']);
    });

    it('allows interest after a scouting meeting, completing B.1 (7.2)', () => {
      const driver = anEmployerCase('scoutingMeeting')
        .apply({ type: 'VACANCIES_DETECTED', count: 3 })
        .apply({ type: 'INTEREST_EXPRESSED' });
      expect(driver.regions.B1).toBe('completed');
      expect(ctx(driver).interestExpressedAt).toBe(ACT_DATE);
      expect(ctx(driver).vacanciesDetected).toBe(3);
    });

    it('a scouting meeting needs the company contacted first (EVENT_NOT_AVAILABLE)', () => {
      const refusal = anEmployerCase('new').refuse(scouting());
      expect(refusal.kind).toBe('not_available');
      expect(refusal.reasons.map((r) => r.code)).toEqual(['EVENT_NOT_AVAILABLE']);
    });
  });

  describe('B.2: directly, or together with B.1', () => {
    it('starts directly on a new case, without B.1', () => {
      const driver = anEmployerCase('new').apply(intake());
      expect(driver.regions).toMatchObject({ B1: 'notStarted', B2: 'active' });
    });

    it('runs together with B.1: both regions active at once', () => {
      const driver = anEmployerCase('contacted').apply(intake());
      expect(driver.regions).toMatchObject({ B1: 'active', B2: 'active' });
    });

    it('refuses the Patto without the company record (COMPANY_RECORD_NOT_UPDATED)', () => {
      expect(anEmployerCase('intake').codes({ type: 'PATTO_SIGNED' })).toEqual(['COMPANY_RECORD_NOT_UPDATED']);
    });

    it('allows the Patto once the company record is filled in (8.2)', () => {
      const driver = anEmployerCase('intake').apply(companyRecord).apply({ type: 'PATTO_SIGNED' });
      expect(ctx(driver).patto.signedAt).toBe(ACT_DATE);
    });

    it('refuses a second Patto (PATTO_ALREADY_SIGNED)', () => {
      expect(anEmployerCase('pattoSigned').codes({ type: 'PATTO_SIGNED' })).toEqual(['PATTO_ALREADY_SIGNED']);
    });

    it('refuses the action plan without a Patto (PATTO_NOT_SIGNED)', () => {
      expect(anEmployerCase('companyRecord').codes({ type: 'ACTION_PLAN_OPENED' })).toEqual(['PATTO_NOT_SIGNED']);
    });

    it('opens the action plan after the Patto, completing B.2', () => {
      const driver = anEmployerCase('pattoSigned').apply({ type: 'ACTION_PLAN_OPENED' });
      expect(driver.regions.B2).toBe('completed');
      expect(ctx(driver).actionPlanOpenedAt).toBe(ACT_DATE);
    });

    it('refuses a vacancy before B.2 has started (SERVICE_NOT_STARTED), and a duplicate one', () => {
      expect(anEmployerCase('new').codes(vacancy)).toEqual(['SERVICE_NOT_STARTED']);
      expect(anEmployerCase('companyRecord').codes(vacancy)).toEqual(['VACANCY_ALREADY_RECORDED']);
    });
  });

  describe('B.3: only after B.2 and a signed Patto', () => {
    it('refuses consulting with B.2 under way and no Patto, with both codes', () => {
      expect(anEmployerCase('companyRecord').codes(consulting)).toEqual(['PRECEDING_SERVICE_NOT_COMPLETED', 'PATTO_NOT_SIGNED']);
    });

    it('refuses consulting with the Patto signed but B.2 not completed', () => {
      const refusal = anEmployerCase('pattoSigned').refuse(consulting);
      expect(refusal.reasons.map((r) => r.code)).toEqual(['PRECEDING_SERVICE_NOT_COMPLETED']);
      expect(refusal.reasons[0].message.en).toContain('B.2');
    });

    it('allows consulting after B.2 and the Patto, recording the topic (9.1)', () => {
      const driver = anEmployerCase('actionPlan').apply(consulting).apply({ type: 'CONSULTING_COMPLETED' });
      expect(driver.regions.B3).toBe('completed');
      expect(ctx(driver).consultingTopics).toEqual(['Apprenticeship contracts']);
    });

    it('allows consulting after a B.2 with no B.1 at all', () => {
      b2OnlyCompleted().apply(consulting);
    });
  });

  describe('B.4: only after B.1 and B.2 and a signed Patto, for a recorded vacancy', () => {
    it('refuses with B.1 missing, naming B.1 (and not B.2)', () => {
      const refusal = b2OnlyCompleted().refuse(candidate());
      expect(refusal.reasons.map((r) => r.code)).toEqual(['PRECEDING_SERVICE_NOT_COMPLETED']);
      expect(refusal.reasons[0].message.en).toContain('B.1 Promotion and scouting');
      expect(refusal.reasons[0].message.it).toContain('B.1 Promozione e scouting');
      expect(refusal.reasons[0].message.en).not.toContain('B.2');
    });

    it('refuses with B.1 started but not completed, naming B.1', () => {
      const driver = anEmployerCase('scoutingMeeting').apply(intake()).apply(companyRecord).apply(vacancy);
      driver.apply({ type: 'PATTO_SIGNED' }).apply({ type: 'ACTION_PLAN_OPENED' });
      const refusal = driver.refuse(candidate());
      expect(refusal.reasons.map((r) => r.code)).toEqual(['PRECEDING_SERVICE_NOT_COMPLETED']);
      expect(refusal.reasons[0].message.en).toContain('B.1');
    });

    it('refuses with B.2 not completed (Patto signed, no action plan), naming B.2 (and not B.1)', () => {
      const driver = b1DoneB2Open().apply({ type: 'PATTO_SIGNED' });
      const refusal = driver.refuse(candidate());
      expect(refusal.reasons.map((r) => r.code)).toEqual(['PRECEDING_SERVICE_NOT_COMPLETED']);
      expect(refusal.reasons[0].message.en).toContain('B.2 Information and access to services');
      expect(refusal.reasons[0].message.en).not.toContain('B.1');
    });

    it('refuses with the Patto missing (PATTO_NOT_SIGNED, B.2 therefore open too)', () => {
      expect(b1DoneB2Open().codes(candidate())).toEqual(['PRECEDING_SERVICE_NOT_COMPLETED', 'PATTO_NOT_SIGNED']);
    });

    it('refuses a vacancy that is not recorded (VACANCY_NOT_RECORDED)', () => {
      const refusal = anEmployerCase('actionPlan').refuse(candidate('V-404'));
      expect(refusal.reasons.map((r) => r.code)).toEqual(['VACANCY_NOT_RECORDED']);
      expect(refusal.reasons[0].message.en).toContain('V-404');
    });

    it('refuses on a fresh case with every missing piece, naming B.1 and B.2', () => {
      const refusal = anEmployerCase('new').refuse(candidate());
      expect(refusal.reasons.map((r) => r.code)).toEqual(['PRECEDING_SERVICE_NOT_COMPLETED', 'PATTO_NOT_SIGNED', 'VACANCY_NOT_RECORDED']);
      expect(refusal.reasons[0].message.en).toContain('B.1');
      expect(refusal.reasons[0].message.en).toContain('B.2');
    });

    it('allows a candidate once B.1, B.2, the Patto and the vacancy are in place (10.1)', () => {
      const driver = anEmployerCase('actionPlan').apply(candidate());
      expect(driver.regions.B4).toBe('active');
      expect(ctx(driver).candidates).toEqual([{ at: ACT_DATE, vacancyId: 'V-1', personCaseId: 'P-1' }]);
      expect(ctx(driver).services.B4.startedAt).toBe(ACT_DATE);
    });

    it('refuses to complete matching without feedback (FEEDBACK_NOT_RECORDED), then allows it', () => {
      const driver = anEmployerCase('candidate');
      expect(driver.codes({ type: 'MATCHING_COMPLETED' })).toEqual(['FEEDBACK_NOT_RECORDED']);
      driver
        .apply({ type: 'EMPLOYER_FEEDBACK_RECORDED', vacancyId: 'V-1', feedback: 'Good candidate' })
        .apply({ type: 'MATCHING_COMPLETED' });
      expect(driver.regions.B4).toBe('completed');
      expect(ctx(driver).feedback).toEqual([{ at: ACT_DATE, vacancyId: 'V-1', feedback: 'Good candidate' }]);
    });

    it.each([
      ['HIRING_DECLARED', { type: 'HIRING_DECLARED', vacancyId: 'V-2' }],
      ['CANDIDATE_HIRED', { type: 'CANDIDATE_HIRED', vacancyId: 'V-2' }],
      ['EMPLOYER_FEEDBACK_RECORDED', { type: 'EMPLOYER_FEEDBACK_RECORDED', vacancyId: 'V-2', feedback: 'x' }],
    ])('%s for a recorded vacancy with no candidate is refused (NO_CANDIDATE_PUT_FORWARD)', (_type, event) => {
      const driver = anEmployerCase('candidate').apply({ ...vacancy, vacancyId: 'V-2' });
      expect(driver.codes(event)).toEqual(['NO_CANDIDATE_PUT_FORWARD']);
    });
  });

  describe('closing the case', () => {
    it('a refused Patto closes the case as pattoRefused, the refusal on record', () => {
      const driver = anEmployerCase('companyRecord').apply({ type: 'PATTO_REFUSED', reason: 'Not interested', at: '2026-10-05' });
      expect(driver.snapshot.status).toBe('done');
      expect(driver.snapshot.value).toBe('pattoRefused');
      expect(ctx(driver).patto).toEqual({ signedAt: null, refusedAt: '2026-10-05', refusalReason: 'Not interested' });
      expect(ctx(driver).outcome).toEqual({ kind: 'patto_refused', at: '2026-10-05', reason: 'Not interested' });
    });

    it('a signed Patto cannot be refused afterwards (PATTO_ALREADY_SIGNED)', () => {
      expect(anEmployerCase('pattoSigned').codes({ type: 'PATTO_REFUSED', reason: 'x' })).toEqual(['PATTO_ALREADY_SIGNED']);
    });

    const closedCases: [string, () => CaseDriver][] = [
      ['closed', () => anEmployerCase('candidate').apply({ type: 'CASE_CLOSED', reason: 'Vacancies filled' })],
      ['withdrawn', () => anEmployerCase('contacted').apply({ type: 'WITHDRAWN', reason: 'No longer hiring' })],
      ['pattoRefused', () => anEmployerCase('intake').apply({ type: 'PATTO_REFUSED', reason: 'No' })],
    ];

    it.each(closedCases)('a case closed as %s accepts no event of the pathway (CASE_CLOSED)', (label, close) => {
      const driver = close();
      expect(driver.snapshot.value).toBe(label);
      const types = Object.keys(EMPLOYER_EVENTS);
      expect(types.length).toBeGreaterThan(15);
      for (const type of types) {
        const refusal = driver.refuse({ type, reason: 'again' });
        expect({ type, kind: refusal.kind, codes: refusal.reasons.map((r) => r.code) }).toEqual({
          type,
          kind: 'case_closed',
          codes: ['CASE_CLOSED'],
        });
      }
    });

    it('closing ends the services under way on that day', () => {
      const driver = anEmployerCase('candidate').apply({ type: 'CASE_CLOSED', reason: 'Done', at: '2026-10-20' });
      expect(ctx(driver).outcome).toEqual({ kind: 'closed', at: '2026-10-20', reason: 'Done' });
      expect(ctx(driver).services.B4.completedAt).toBe('2026-10-20');
      expect(ctx(driver).services.B3.startedAt).toBeNull();
    });
  });
});

describe('employer minimum durations, at the exact boundary', () => {
  type Row = [label: string, stage: EmployerStage, event: (minutes: number, mode: string) => EventInput, service: 'B1' | 'B2'];
  const rows: Row[] = [
    ['B.1 scouting meeting', 'contacted', scouting, 'B1'],
    ['B.2 intake', 'new', intake, 'B2'],
    ['B.2 later intake', 'intake', intake, 'B2'],
  ];

  it.each(rows)('%s: 29 minutes refused (DURATION_BELOW_MINIMUM), 30 allowed', (_label, stage, event, service) => {
    const driver = anEmployerCase(stage);
    const refusal = driver.refuse(event(29, 'individual'));
    expect(refusal.reasons.map((r) => r.code)).toEqual(['DURATION_BELOW_MINIMUM']);
    expect(refusal.reasons[0].message.en).toContain('30 minutes');
    expect(refusal.reasons[0].message.it).toContain('30 minuti');
    const before = ctx(driver).services[service].sessions.length;
    driver.apply(event(30, 'individual'));
    expect(ctx(driver).services[service].sessions).toHaveLength(before + 1);
    expect(ctx(driver).services[service].sessions.at(-1)).toEqual({
      at: ACT_DATE,
      mode: 'individual',
      minutes: 30,
      operatorId: ACCREDITED.id,
    });
  });

  it.each(rows)('%s refuses a group session (DELIVERY_MODE_NOT_ALLOWED)', (_label, stage, event) => {
    expect(anEmployerCase(stage).codes(event(60, 'group'))).toEqual(['DELIVERY_MODE_NOT_ALLOWED']);
  });

  it('B.3 sets no minimum: a one-minute consulting session is allowed', () => {
    const driver = anEmployerCase('actionPlan').apply({ ...consulting, minutes: 1 });
    expect(ctx(driver).services.B3.sessions.map((s) => s.minutes)).toEqual([1]);
  });
});

describe('employer explain names every failed guard, in both languages', () => {
  it('a candidate on a fresh case: access, Patto and vacancy, agreeing with the engine', () => {
    const driver = anEmployerCase('new');
    const explanation = explain(driver.machineSnapshot, driver.stamped(candidate()));
    expect(explanation).toMatchObject({ allowed: false, kind: 'guards_failed' });
    if (explanation.allowed) return;
    expect(explanation.reasons.map((r) => r.code)).toEqual(['PRECEDING_SERVICE_NOT_COMPLETED', 'PATTO_NOT_SIGNED', 'VACANCY_NOT_RECORDED']);
    explanation.reasons.forEach(assertReadable);
    expect(driver.refuse(candidate())).toEqual({ kind: explanation.kind, reasons: explanation.reasons });
  });

  it('consulting on a fresh case with a group session names access, Patto and mode', () => {
    const driver = anEmployerCase('new');
    const event = { ...consulting, mode: 'group' };
    const explanation = explain(driver.machineSnapshot, driver.stamped(event));
    expect(explanation).toEqual({ allowed: false, ...driver.refuse(event) });
    if (explanation.allowed) return;
    expect(explanation.reasons.map((r) => r.code)).toEqual([
      'PRECEDING_SERVICE_NOT_COMPLETED',
      'PATTO_NOT_SIGNED',
      'DELIVERY_MODE_NOT_ALLOWED',
    ]);
  });

  it('ACTION_PLAN_OPENED before intake is not available, naming where it is accepted', () => {
    const driver = anEmployerCase('contacted');
    const explanation = explain(driver.machineSnapshot, driver.stamped({ type: 'ACTION_PLAN_OPENED' }));
    expect(explanation).toMatchObject({ allowed: false, kind: 'not_available' });
    if (explanation.allowed) return;
    expect(explanation.reasons.map((r) => r.code)).toEqual(['EVENT_NOT_AVAILABLE']);
    assertReadable(explanation.reasons[0]);
    expect(explanation.reasons[0].message.en).toContain('B.2 Information and access to services: in progress');
    expect(explanation.reasons[0].message.it).toContain('B.2 Informazione e accesso ai servizi: in corso');
  });
});
