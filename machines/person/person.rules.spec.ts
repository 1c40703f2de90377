/**
 * The person pathway's rules (standards.md, Tipologia A), one by one: every access rule refuses
 * with its exact code and allows once met, every minimum duration at its exact boundary, the
 * CPI-only acts and complex targets, and `explain` naming every failed guard in both languages.
 * Every case is driven through the real engine by the factories.
 */
import { describe, expect, it } from '@jest/globals';
import type { Refusal } from '../engine.js';
import { explain } from '../explain.js';
import type { Reason } from '../guards.js';
import {
  ACCREDITED,
  ACT_DATE,
  CPI,
  DID_DATE,
  aPersonCase,
  session,
  type CaseDriver,
  type EventInput,
  type PersonStage,
  assertReadable,
} from '../testing/case-factory.js';
import { PERSON_EVENTS } from './person.events.js';
import type { PersonServiceKey } from '../repertory.js';
import type { PersonContext } from './person.machine.js';

const ctx = (driver: CaseDriver): PersonContext => driver.snapshot.context as PersonContext;

const reasonWith = (refusal: Refusal, code: string): Reason => {
  const reason = refusal.reasons.find((r) => r.code === code);
  if (!reason) throw new Error(`no ${code} in ${JSON.stringify(refusal.reasons.map((r) => r.code))}`);
  return reason;
};

const guidance = (minutes = 60, mode = 'individual'): EventInput => ({ type: 'GUIDANCE_SESSION_HELD', ...session(mode, minutes) });
const counselling = (minutes = 60, mode = 'individual'): EventInput => ({ type: 'COUNSELLING_MEETING_HELD', ...session(mode, minutes) });
const jobSearch = (minutes = 120, mode = 'individual'): EventInput => ({ type: 'JOB_SEARCH_SESSION_HELD', ...session(mode, minutes) });
const matching = (minutes = 120, mode = 'individual'): EventInput => ({ type: 'MATCHING_SESSION_HELD', ...session(mode, minutes) });
const intake = (minutes = 30, mode = 'individual'): EventInput => ({ type: 'INTAKE_SESSION_HELD', ...session(mode, minutes) });
const hired = (contractStartDate = '2026-10-15'): EventInput => ({
  type: 'HIRED',
  contractType: 'permanent',
  contractStartDate,
  vacancyId: 'V-1',
});

describe('person access rules', () => {
  describe('A.2 Patto: registry updated, DID received and certification requested', () => {
    it('refuses the Patto on a bare intake with all three missing', () => {
      expect(aPersonCase('intake').codes({ type: 'PATTO_SIGNED' })).toEqual([
        'REGISTRY_NOT_UPDATED',
        'DID_NOT_RECEIVED',
        'DID_CERTIFICATION_NOT_REQUESTED',
      ]);
    });

    it('refuses the Patto when only the registry is missing', () => {
      const driver = aPersonCase('intake')
        .apply({ type: 'DID_RECEIVED', didDate: DID_DATE, deadlineGroup: 'other' })
        .apply({ type: 'DID_CERTIFICATION_REQUESTED' });
      expect(driver.codes({ type: 'PATTO_SIGNED' })).toEqual(['REGISTRY_NOT_UPDATED']);
    });

    it('refuses the Patto when the DID has not been received (so nor certification requested)', () => {
      const driver = aPersonCase('intake').apply({ type: 'REGISTRY_UPDATED' });
      expect(driver.codes({ type: 'PATTO_SIGNED' })).toEqual(['DID_NOT_RECEIVED', 'DID_CERTIFICATION_NOT_REQUESTED']);
    });

    it('refuses the Patto when the DID certification has not been requested', () => {
      const driver = aPersonCase('intake')
        .apply({ type: 'REGISTRY_UPDATED' })
        .apply({ type: 'DID_RECEIVED', didDate: DID_DATE, deadlineGroup: 'other' });
      expect(driver.codes({ type: 'PATTO_SIGNED' })).toEqual(['DID_CERTIFICATION_NOT_REQUESTED']);
    });

    it('signs the Patto once all three are on record, completing A.2 and recording the date (2.2)', () => {
      const driver = aPersonCase('intakeRecorded').apply({ type: 'PATTO_SIGNED' });
      expect(driver.regions.A2).toBe('completed');
      expect(ctx(driver).patto.signedAt).toBe(ACT_DATE);
      expect(ctx(driver).services.A2.completedAt).toBe(ACT_DATE);
    });
  });

  describe('A.3: only after A.2 and a signed Patto', () => {
    it('refuses guidance before the Patto, with both codes', () => {
      expect(aPersonCase('intakeRecorded').codes(guidance())).toEqual(['PRECEDING_SERVICE_NOT_COMPLETED', 'PATTO_NOT_SIGNED']);
    });

    it('refuses guidance on a fresh case, naming A.2 as the missing service', () => {
      const reason = reasonWith(aPersonCase('new').refuse(guidance()), 'PRECEDING_SERVICE_NOT_COMPLETED');
      expect(reason.message.en).toContain('A.2');
      expect(reason.message.it).toContain('A.2');
    });

    it('allows guidance after the Patto', () => {
      const driver = aPersonCase('pattoSigned').apply(guidance());
      expect(driver.regions.A3).toBe('active');
      expect(ctx(driver).services.A3.startedAt).toBe(ACT_DATE);
    });
  });

  describe('A.4: only after A.3, on a specific need, with a signed PAI', () => {
    it('refuses counselling while A.3 is still under way (no PAI yet)', () => {
      const driver = aPersonCase('guidance').apply({ type: 'SPECIFIC_NEED_RECORDED', description: 'Career change' });
      expect(driver.codes(counselling())).toEqual(['PRECEDING_SERVICE_NOT_COMPLETED', 'PAI_NOT_SIGNED']);
    });

    it('refuses counselling without a recorded specific need', () => {
      expect(aPersonCase('paiSigned').codes(counselling())).toEqual(['SPECIFIC_NEED_NOT_RECORDED']);
    });

    it('refuses counselling when A.3 ended with the PAI refused', () => {
      const driver = aPersonCase('guidance')
        .apply({ type: 'SPECIFIC_NEED_RECORDED', description: 'Career change' })
        .apply({ type: 'PAI_REFUSED', reason: 'Does not agree with the plan' });
      expect(driver.regions.A3).toBe('completed');
      expect(driver.codes(counselling())).toEqual(['PAI_NOT_SIGNED']);
    });

    it('refuses to record a specific need before A.3 has started', () => {
      expect(aPersonCase('pattoSigned').codes({ type: 'SPECIFIC_NEED_RECORDED', description: 'x' })).toEqual(['SERVICE_NOT_STARTED']);
    });

    it('allows counselling after A.3, with the need recorded and the PAI signed', () => {
      const driver = aPersonCase('needRecorded').apply(counselling());
      expect(driver.regions.A4).toBe('active');
    });

    it('refuses to complete A.4 after one meeting (TOO_FEW_MEETINGS) and allows it after two', () => {
      const driver = aPersonCase('counselling');
      const completion = { type: 'COUNSELLING_COMPLETED', professionalProject: 'Become a CNC operator' };
      const refusal = driver.refuse(completion);
      expect(refusal.reasons.map((r) => r.code)).toEqual(['TOO_FEW_MEETINGS']);
      expect(refusal.reasons[0].message.en).toContain('1 recorded');
      driver.apply(counselling()).apply(completion);
      expect(driver.regions.A4).toBe('completed');
      expect(ctx(driver).professionalProject).toBe('Become a CNC operator');
      expect(ctx(driver).pai.updatedAt).toBe(ACT_DATE);
    });
  });

  describe('A.5: after or together with A.3 or A.4', () => {
    it('refuses job-search support before any A.3 or A.4', () => {
      expect(aPersonCase('pattoSigned').codes(jobSearch())).toEqual(['NO_PRECEDING_OR_CONCURRENT_SERVICE']);
    });

    it('refuses it on a fresh case with the Patto missing too', () => {
      expect(aPersonCase('new').codes(jobSearch())).toEqual(['NO_PRECEDING_OR_CONCURRENT_SERVICE', 'PATTO_NOT_SIGNED']);
    });

    it('allows it together with A.3: both regions are active at once', () => {
      const driver = aPersonCase('guidance').apply(jobSearch());
      expect(driver.regions).toMatchObject({ A3: 'active', A5: 'active' });
    });

    it('allows it after A.3', () => {
      const driver = aPersonCase('paiSigned').apply(jobSearch());
      expect(driver.regions).toMatchObject({ A3: 'completed', A5: 'active' });
    });
  });

  describe('A.6: after or together with A.3, A.4 or A.5', () => {
    it('refuses job matching before any A.3, A.4 or A.5', () => {
      expect(aPersonCase('pattoSigned').codes(matching())).toEqual(['NO_PRECEDING_OR_CONCURRENT_SERVICE']);
    });

    it('allows it together with A.3: both regions are active at once', () => {
      const driver = aPersonCase('guidance').apply(matching());
      expect(driver.regions).toMatchObject({ A3: 'active', A6: 'active' });
    });

    it('allows it together with A.3 and A.5: three regions active at once', () => {
      const driver = aPersonCase('guidance').apply(jobSearch()).apply(matching());
      expect(driver.regions).toMatchObject({ A3: 'active', A5: 'active', A6: 'active' });
    });

    it('allows it together with A.4', () => {
      const driver = aPersonCase('counselling').apply(matching());
      expect(driver.regions).toMatchObject({ A4: 'active', A6: 'active' });
    });
  });

  describe('a PAI refusal', () => {
    it.each([
      ['A.5', jobSearch()],
      ['A.6', matching()],
    ])('refuses to start %s after the PAI was refused (PAI_REFUSED)', (_service, event) => {
      const driver = aPersonCase('guidance').apply({ type: 'PAI_REFUSED', reason: 'Does not agree' });
      const refusal = driver.refuse(event);
      expect(refusal.reasons.map((r) => r.code)).toEqual(['PAI_REFUSED']);
      expect(refusal.reasons[0].message.en).toContain(ACT_DATE);
    });

    it('records the refusal (3.3) and completes A.3', () => {
      const driver = aPersonCase('guidance').apply({ type: 'PAI_REFUSED', reason: 'Does not agree' });
      expect(ctx(driver).pai).toMatchObject({ signedAt: null, refusedAt: ACT_DATE, refusalReason: 'Does not agree' });
      expect(driver.regions.A3).toBe('completed');
    });

    // "A.5/A.6 refused after a PAI refusal": a service started together with A.3 must not go on
    // being delivered once the PAI it is recorded in has been refused.
    it.each([
      ['A.5', jobSearch()],
      ['A.6', matching()],
    ])('refuses further %s sessions started together with A.3 once the PAI is refused', (_service, event) => {
      const driver = aPersonCase('guidance').apply(event).apply({ type: 'PAI_REFUSED', reason: 'Does not agree' });
      expect(driver.codes(event)).toEqual(['PAI_REFUSED']);
    });
  });

  describe('training (3.4-3.6): referred, enrolled, completed, in order', () => {
    const referred = { type: 'TRAINING_REFERRED', course: 'Welding level 1' };

    it('refuses a referral before the PAI is signed', () => {
      expect(aPersonCase('guidance').codes(referred)).toEqual(['PAI_NOT_SIGNED']);
    });

    it('refuses a referral after the PAI was refused', () => {
      const driver = aPersonCase('guidance').apply({ type: 'PAI_REFUSED', reason: 'No' });
      expect(driver.codes(referred)).toEqual(['PAI_NOT_SIGNED']);
    });

    it.each(['TRAINING_ENROLLED', 'TRAINING_COMPLETED'])('refuses %s before any referral (EVENT_NOT_AVAILABLE)', (type) => {
      const refusal = aPersonCase('paiSigned').refuse({ type });
      expect(refusal.kind).toBe('not_available');
      expect(refusal.reasons.map((r) => r.code)).toEqual(['EVENT_NOT_AVAILABLE']);
    });

    it('refuses completion before enrolment', () => {
      const driver = aPersonCase('paiSigned').apply(referred);
      const refusal = driver.refuse({ type: 'TRAINING_COMPLETED' });
      expect(refusal.reasons.map((r) => r.code)).toEqual(['EVENT_NOT_AVAILABLE']);
      expect(refusal.reasons[0].message.en).toContain('enrolled on a course');
    });

    it('records referral, enrolment and completion in order', () => {
      const driver = aPersonCase('paiSigned')
        .apply(referred)
        .apply({ type: 'TRAINING_ENROLLED', at: '2026-10-10' })
        .apply({ type: 'TRAINING_COMPLETED', at: '2026-11-10' });
      expect(driver.regions.training).toBe('completed');
      expect(ctx(driver).training).toEqual([
        { course: 'Welding level 1', referredAt: ACT_DATE, enrolledAt: '2026-10-10', completedAt: '2026-11-10' },
      ]);
    });
  });

  describe('A.6 outcomes: pre-selection, interview, hiring', () => {
    it('refuses an interview without a pre-selection (NOT_PRESELECTED)', () => {
      expect(aPersonCase('matching').codes({ type: 'SENT_TO_INTERVIEW', vacancyId: 'V-1' })).toEqual(['NOT_PRESELECTED']);
    });

    it('refuses a hire without an interview (NOT_SENT_TO_INTERVIEW)', () => {
      expect(aPersonCase('preselected').codes(hired())).toEqual(['NOT_SENT_TO_INTERVIEW']);
    });

    it('refuses a hire on matching alone with the interview missing', () => {
      expect(aPersonCase('matching').codes(hired())).toEqual(['NOT_SENT_TO_INTERVIEW']);
    });

    it('allows the interview after pre-selection, and the hire after the interview, closing the case as placed', () => {
      const driver = aPersonCase('preselected').apply({ type: 'SENT_TO_INTERVIEW', vacancyId: 'V-1', employerCaseId: 'E-1' });
      expect(ctx(driver).interviews).toEqual([{ at: ACT_DATE, vacancyId: 'V-1', employerCaseId: 'E-1' }]);
      driver.apply(hired('2026-10-15'));
      expect(driver.snapshot.status).toBe('done');
      expect(driver.snapshot.value).toBe('placed');
      expect(ctx(driver).hire).toEqual({ at: ACT_DATE, contractType: 'permanent', contractStartDate: '2026-10-15', vacancyId: 'V-1' });
      expect(ctx(driver).outcome).toEqual({ kind: 'placed', at: ACT_DATE, reason: null });
    });
  });

  describe('closing the case', () => {
    it('a refused Patto closes the case in the final state pattoRefused, the refusal on record', () => {
      const driver = aPersonCase('intake').apply({ type: 'PATTO_REFUSED', reason: 'Does not want services', at: '2026-10-02' });
      expect(driver.snapshot.status).toBe('done');
      expect(driver.snapshot.value).toBe('pattoRefused');
      expect(ctx(driver).patto).toEqual({ signedAt: null, refusedAt: '2026-10-02', refusalReason: 'Does not want services' });
      expect(ctx(driver).outcome).toEqual({ kind: 'patto_refused', at: '2026-10-02', reason: 'Does not want services' });
      expect(ctx(driver).services.A2.completedAt).toBe('2026-10-02');
    });

    it('refuses a Patto refusal without a reason', () => {
      const refusal = aPersonCase('intake').refuse({ type: 'PATTO_REFUSED' });
      expect(refusal.reasons.map((r) => r.code)).toEqual(['PAYLOAD_INVALID']);
      expect(refusal.reasons[0].fields?.map((f) => f.field)).toEqual(['reason']);
    });

    it('WITHDRAWN closes the case, ending the services under way', () => {
      const driver = aPersonCase('guidance').apply(jobSearch()).apply({ type: 'WITHDRAWN', reason: 'Moved abroad', at: '2026-10-20' });
      expect(driver.snapshot.status).toBe('done');
      expect(driver.snapshot.value).toBe('withdrawn');
      expect(ctx(driver).outcome).toEqual({ kind: 'withdrawn', at: '2026-10-20', reason: 'Moved abroad' });
      expect(ctx(driver).services.A3.completedAt).toBe('2026-10-20');
      expect(ctx(driver).services.A5.completedAt).toBe('2026-10-20');
      expect(ctx(driver).services.A4.startedAt).toBeNull();
    });

    const closedCases: [string, () => CaseDriver][] = [
      ['withdrawn', () => aPersonCase('guidance').apply({ type: 'WITHDRAWN', reason: 'Moved abroad' })],
      ['pattoRefused', () => aPersonCase('intake').apply({ type: 'PATTO_REFUSED', reason: 'No' })],
      ['placed', () => aPersonCase('interview').apply(hired())],
    ];

    it.each(closedCases)('a case closed as %s accepts no event of the pathway (CASE_CLOSED)', (_label, close) => {
      const driver = close();
      const types = Object.keys(PERSON_EVENTS);
      expect(types.length).toBeGreaterThan(25);
      for (const type of types) {
        const refusal = driver.refuse({ type, reason: 'again' });
        expect({ type, kind: refusal.kind, codes: refusal.reasons.map((r) => r.code) }).toEqual({
          type,
          kind: 'case_closed',
          codes: ['CASE_CLOSED'],
        });
      }
      const explanation = explain(driver.machineSnapshot, driver.stamped({ type: 'WITHDRAWN', reason: 'again' }));
      expect(explanation).toMatchObject({ allowed: false, kind: 'case_closed' });
    });
  });
});

describe('person minimum durations, at the exact boundary', () => {
  // Each row: the stage where a session starts the service, and one where a later session is held
  // (the minimum applies to every session, not only the first).
  type Row = [
    label: string,
    first: PersonStage,
    later: PersonStage,
    event: (minutes: number, mode: string) => EventInput,
    mode: string,
    min: number,
  ];
  const rows: Row[] = [
    ['A.2 individual', 'new', 'intake', intake, 'individual', 30],
    ['A.2 group', 'new', 'intake', intake, 'group', 60],
    ['A.3 individual', 'pattoSigned', 'guidance', guidance, 'individual', 60],
    ['A.4 individual', 'needRecorded', 'counselling', counselling, 'individual', 60],
    ['A.5 individual', 'guidance', 'jobSearch', jobSearch, 'individual', 120],
    ['A.5 group', 'guidance', 'jobSearch', jobSearch, 'group', 120],
    ['A.6 individual', 'guidance', 'matching', matching, 'individual', 120],
    ['A.6 group', 'guidance', 'matching', matching, 'group', 120],
  ];
  const serviceOf = (label: string) => label.slice(0, 3).replace('.', '') as PersonServiceKey;

  it.each(rows)('%s: one minute short is refused with DURATION_BELOW_MINIMUM', (_label, stage, _later, event, mode, min) => {
    const refusal = aPersonCase(stage).refuse(event(min - 1, mode));
    expect(refusal.reasons.map((r) => r.code)).toEqual(['DURATION_BELOW_MINIMUM']);
    expect(refusal.reasons[0].message.en).toContain(`${min} minutes`);
    expect(refusal.reasons[0].message.it).toContain(`${min} minuti`);
    expect(refusal.reasons[0].message.en).toContain(`${min - 1} recorded`);
  });

  it.each(rows)('%s: the minimum itself is allowed and recorded', (label, stage, _later, event, mode, min) => {
    const driver = aPersonCase(stage).apply(event(min, mode));
    const record = ctx(driver).services[serviceOf(label)];
    expect(record.startedAt).toBe(ACT_DATE);
    expect(record.sessions).toEqual([{ at: ACT_DATE, mode, minutes: min, operatorId: ACCREDITED.id }]);
  });

  it.each(rows)('%s, a later session: min-1 refused, min allowed', (label, _first, stage, event, mode, min) => {
    const driver = aPersonCase(stage);
    const before = ctx(driver).services[serviceOf(label)].sessions.length;
    expect(driver.codes(event(min - 1, mode))).toEqual(['DURATION_BELOW_MINIMUM']);
    driver.apply(event(min, mode));
    expect(ctx(driver).services[serviceOf(label)].sessions).toHaveLength(before + 1);
  });

  it.each([
    ['A.3', 'pattoSigned', guidance(120, 'group')],
    ['A.3 (later session)', 'guidance', guidance(120, 'group')],
    ['A.4', 'needRecorded', counselling(120, 'group')],
    ['A.4 (later session)', 'counselling', counselling(120, 'group')],
  ] as [string, PersonStage, EventInput][])('%s refuses a group session (DELIVERY_MODE_NOT_ALLOWED)', (_label, stage, event) => {
    const refusal = aPersonCase(stage).refuse(event);
    expect(refusal.reasons.map((r) => r.code)).toEqual(['DELIVERY_MODE_NOT_ALLOWED']);
    expect(refusal.reasons[0].message.en).toContain('individual');
  });
});

describe('CPI-only acts and complex targets', () => {
  it('DID_CERTIFIED is refused for an accredited operator (CPI_ONLY_ACT)', () => {
    const driver = aPersonCase('intakeRecorded');
    const refusal = driver.refuse({ type: 'DID_CERTIFIED' });
    expect(refusal.reasons.map((r) => r.code)).toEqual(['CPI_ONLY_ACT']);
    expect(refusal.reasons[0].message.en).toContain('D.Lgs. 181/2000');
    expect(ctx(driver).did?.certifiedAt).toBeNull();
  });

  it('DID_CERTIFIED is allowed for a CPI operator (driver operator) and recorded', () => {
    const driver = aPersonCase('intakeRecorded');
    driver.operator = CPI;
    driver.apply({ type: 'DID_CERTIFIED' });
    expect(ctx(driver).did?.certifiedAt).toBe(ACT_DATE);
    expect(ctx(driver).cpiActs).toEqual([{ act: 'did_certification', at: ACT_DATE, operatorId: CPI.id }]);
  });

  it('DID_CERTIFIED is allowed for a CPI operator given in the event', () => {
    const driver = aPersonCase('intakeRecorded').apply({ type: 'DID_CERTIFIED', operator: CPI });
    expect(ctx(driver).did?.certifiedAt).toBe(ACT_DATE);
  });

  it('certifying the DID needs the certification request first', () => {
    const driver = aPersonCase('intake')
      .apply({ type: 'REGISTRY_UPDATED' })
      .apply({ type: 'DID_RECEIVED', didDate: DID_DATE, deadlineGroup: 'other' });
    expect(driver.codes({ type: 'DID_CERTIFIED', operator: CPI })).toEqual(['DID_CERTIFICATION_NOT_REQUESTED']);
  });

  describe('TARGETED_PLACEMENT_ENROLLED (L. 68/99)', () => {
    it('is refused for an accredited operator (CPI_ONLY_ACT), even with the disabled flag', () => {
      expect(aPersonCase('new', { targets: ['disabled'] }).codes({ type: 'TARGETED_PLACEMENT_ENROLLED' })).toEqual(['CPI_ONLY_ACT']);
    });

    it('is refused for an accredited operator without the flag with both codes', () => {
      expect(aPersonCase('new').codes({ type: 'TARGETED_PLACEMENT_ENROLLED' })).toEqual(['CPI_ONLY_ACT', 'TARGET_NOT_FLAGGED']);
    });

    it('is refused for a CPI when the case has no disabled flag (TARGET_NOT_FLAGGED)', () => {
      expect(aPersonCase('new').codes({ type: 'TARGETED_PLACEMENT_ENROLLED', operator: CPI })).toEqual(['TARGET_NOT_FLAGGED']);
    });

    it('is refused for a CPI when the case has another complex target only', () => {
      const driver = aPersonCase('new', { targets: ['immigrant'] });
      expect(driver.codes({ type: 'TARGETED_PLACEMENT_ENROLLED', operator: CPI })).toEqual(['TARGET_NOT_FLAGGED']);
    });

    it('is allowed for a CPI on a case opened with the disabled flag', () => {
      const driver = aPersonCase('new', { targets: ['disabled'] }).apply({ type: 'TARGETED_PLACEMENT_ENROLLED', operator: CPI });
      expect(ctx(driver).cpiActs).toEqual([{ act: 'targeted_placement', at: ACT_DATE, operatorId: CPI.id }]);
    });

    it('is allowed for a CPI once TARGET_PROFILE_RECORDED flags the case', () => {
      const driver = aPersonCase('new').apply({ type: 'TARGET_PROFILE_RECORDED', targets: ['disabled'], languageMediation: false });
      driver.operator = CPI;
      driver.apply({ type: 'TARGETED_PLACEMENT_ENROLLED' });
      expect(ctx(driver).cpiActs.map((a) => a.act)).toEqual(['targeted_placement']);
    });
  });

  it.each([
    ['MOBILITY_LIST_ENROLLED', 'mobility_list', 'L. 236/93'],
    ['PA_HIRING_REFERRED', 'public_administration_hiring', 'art. 16 L. 56/87'],
  ])('%s is refused for an accredited operator and recorded for a CPI', (type, act, law) => {
    const driver = aPersonCase('new');
    const refusal = driver.refuse({ type });
    expect(refusal.reasons.map((r) => r.code)).toEqual(['CPI_ONLY_ACT']);
    expect(refusal.reasons[0].message.en).toContain(law);
    driver.apply({ type, operator: CPI });
    expect(ctx(driver).cpiActs).toEqual([{ act, at: ACT_DATE, operatorId: CPI.id }]);
  });

  describe('complex-target preconditions', () => {
    const integration = { type: 'NETWORK_INTEGRATION_RECORDED', partner: 'asl' };
    const dedicated = { type: 'DEDICATED_OPERATOR_ASSIGNED', operatorId: 'op-7', competences: ['dedicated_operator'] };

    it.each([integration, dedicated])('$type is refused without a complex target (NO_COMPLEX_TARGET)', (event) => {
      expect(aPersonCase('new').codes(event)).toEqual(['NO_COMPLEX_TARGET']);
    });

    it('records a network integration on a case with a complex target', () => {
      const driver = aPersonCase('new', { targets: ['disabled'] }).apply(integration);
      expect(ctx(driver).networkIntegrations).toEqual([{ partner: 'asl', at: ACT_DATE }]);
    });

    it('records the dedicated operator and competences on a case with a complex target', () => {
      const driver = aPersonCase('new')
        .apply({ type: 'TARGET_PROFILE_RECORDED', targets: ['family_care_assistant'], languageMediation: true })
        .apply({ ...dedicated, competences: ['dedicated_operator', 'foreign_languages'] });
      expect(ctx(driver).targets).toEqual(['family_care_assistant']);
      expect(ctx(driver).languageMediation).toBe(true);
      expect(ctx(driver).operatorCompetences).toEqual([
        { requirement: 'dedicated_operator', operatorId: 'op-7', at: ACT_DATE },
        { requirement: 'foreign_languages', operatorId: 'op-7', at: ACT_DATE },
      ]);
    });

    it('an empty target profile removes the precondition again', () => {
      const driver = aPersonCase('new', { targets: ['detainee'] }).apply({
        type: 'TARGET_PROFILE_RECORDED',
        targets: [],
        languageMediation: false,
      });
      expect(driver.codes(integration)).toEqual(['NO_COMPLEX_TARGET']);
    });
  });
});

describe('person dates', () => {
  const BEFORE_DID = '2026-08-31';

  type DatedRow = [label: string, setup: () => CaseDriver, event: EventInput];
  const referred = { type: 'TRAINING_REFERRED', course: 'Welding' };
  // Every act of A.3 and later services, at a stage where it would otherwise be allowed.
  const a3AndLater: DatedRow[] = [
    ['A.3 first guidance session', () => aPersonCase('pattoSigned'), guidance()],
    ['A.3 later guidance session', () => aPersonCase('guidance'), guidance()],
    ['A.3 PAI signed', () => aPersonCase('guidance'), { type: 'PAI_SIGNED' }],
    ['A.3 PAI refused', () => aPersonCase('guidance'), { type: 'PAI_REFUSED', reason: 'No' }],
    ['A.3 training referred', () => aPersonCase('paiSigned'), referred],
    ['A.3 training enrolled', () => aPersonCase('paiSigned').apply(referred), { type: 'TRAINING_ENROLLED' }],
    [
      'A.3 training completed',
      () => aPersonCase('paiSigned').apply(referred).apply({ type: 'TRAINING_ENROLLED' }),
      { type: 'TRAINING_COMPLETED' },
    ],
    ['A.4 specific need', () => aPersonCase('guidance'), { type: 'SPECIFIC_NEED_RECORDED', description: 'x' }],
    ['A.4 first meeting', () => aPersonCase('needRecorded'), counselling()],
    ['A.4 later meeting', () => aPersonCase('counselling'), counselling()],
    ['A.4 completed', () => aPersonCase('counselling').apply(counselling()), { type: 'COUNSELLING_COMPLETED', professionalProject: 'p' }],
    ['A.5 first session', () => aPersonCase('guidance'), jobSearch()],
    ['A.5 later session', () => aPersonCase('jobSearch'), jobSearch()],
    ['A.5 traineeship', () => aPersonCase('jobSearch'), { type: 'TRAINEESHIP_ACTIVATED', host: 'Acme' }],
    ['A.5 completed', () => aPersonCase('jobSearch'), { type: 'JOB_SEARCH_COMPLETED' }],
    ['A.6 first session', () => aPersonCase('guidance'), matching()],
    ['A.6 later session', () => aPersonCase('matching'), matching()],
    ['A.6 pre-selection', () => aPersonCase('matching'), { type: 'CANDIDATE_PRESELECTED' }],
    ['A.6 interview', () => aPersonCase('preselected'), { type: 'SENT_TO_INTERVIEW', vacancyId: 'V-1' }],
    ['A.6 hired', () => aPersonCase('interview'), hired(DID_DATE)],
  ];

  it.each(a3AndLater)('%s dated before the DID is refused (DATE_BEFORE_DID)', (_label, setup, event) => {
    const refusal = setup().refuse({ ...event, at: BEFORE_DID });
    // A first session of a service that needs the Patto is also dated before the Patto.
    expect(refusal.reasons.map((r) => r.code).filter((c) => c !== 'DATE_BEFORE_PATTO')).toEqual(['DATE_BEFORE_DID']);
    const reason = refusal.reasons.find((r) => r.code === 'DATE_BEFORE_DID');
    expect(reason?.message.en).toContain(BEFORE_DID);
    expect(reason?.message.en).toContain(DID_DATE);
  });

  it.each(a3AndLater)('%s dated on the DID day is allowed', (_label, setup, event) => {
    setup().apply({ ...event, at: DID_DATE });
  });

  it('A.2 acts may precede the DID (intake happens before the declaration)', () => {
    aPersonCase('new').apply({ ...intake(), at: '2026-08-01' });
  });

  it('a DID dated after the day it is received is refused (DID_DATE_AFTER_ACT), the same day allowed', () => {
    const driver = aPersonCase('intake');
    const refusal = driver.refuse({ type: 'DID_RECEIVED', didDate: '2026-10-02', deadlineGroup: 'other' });
    expect(refusal.reasons.map((r) => r.code)).toEqual(['DID_DATE_AFTER_ACT']);
    driver.apply({ type: 'DID_RECEIVED', didDate: ACT_DATE, deadlineGroup: 'priority' });
    expect(ctx(driver).did).toMatchObject({ date: ACT_DATE, group: 'priority', receivedAt: ACT_DATE });
  });

  it('a DID cannot be received twice (DID_ALREADY_RECEIVED)', () => {
    expect(aPersonCase('intakeRecorded').codes({ type: 'DID_RECEIVED', didDate: DID_DATE, deadlineGroup: 'other' })).toEqual([
      'DID_ALREADY_RECEIVED',
    ]);
  });

  describe('contract start date (6.4)', () => {
    it.each([
      ['the day before the DID', '2026-08-31'],
      ['367 days after the hiring act', '2027-10-03'],
      ['absurdly far', '2099-01-01'],
      ['absurdly early', '1970-01-01'],
    ])('is refused when %s (CONTRACT_START_OUT_OF_RANGE)', (_label, start) => {
      const refusal = aPersonCase('interview').refuse(hired(start));
      expect(refusal.reasons.map((r) => r.code)).toEqual(['CONTRACT_START_OUT_OF_RANGE']);
      expect(refusal.reasons[0].message.en).toContain(start);
    });

    it.each([
      ['on the DID day', DID_DATE],
      ['before the hiring act', '2026-09-20'],
      ['366 days after the hiring act', '2027-10-02'],
    ])('is allowed %s', (_label, start) => {
      const driver = aPersonCase('interview').apply(hired(start));
      expect(ctx(driver).hire?.contractStartDate).toBe(start);
    });
  });
});

describe('explain names every failed guard, in both languages', () => {
  it('guidance of 30 minutes on a fresh case: access, Patto and duration together, agreeing with the engine', () => {
    const driver = aPersonCase('new');
    const event = { type: 'GUIDANCE_SESSION_HELD', ...session('individual', 30) };
    const explanation = explain(driver.machineSnapshot, driver.stamped(event));
    expect(explanation.allowed).toBe(false);
    if (explanation.allowed) return;
    expect(explanation.kind).toBe('guards_failed');
    expect(explanation.reasons.map((r) => r.code)).toEqual([
      'PRECEDING_SERVICE_NOT_COMPLETED',
      'PATTO_NOT_SIGNED',
      'DURATION_BELOW_MINIMUM',
    ]);
    explanation.reasons.forEach(assertReadable);
    expect(explanation.reasons.map((r) => r.guard)).toEqual(['precedingServicesCompleted', 'pattoSigned', 'minimumDuration']);
    const refusal = driver.refuse(event);
    expect(refusal).toEqual({ kind: explanation.kind, reasons: explanation.reasons });
  });

  it('counselling on a fresh case with a group session of 10 minutes lists every failed guard', () => {
    const driver = aPersonCase('new');
    const event = counselling(10, 'group');
    const refusal = driver.refuse(event);
    expect(refusal.reasons.map((r) => r.code)).toEqual([
      'PRECEDING_SERVICE_NOT_COMPLETED',
      'PATTO_NOT_SIGNED',
      'SPECIFIC_NEED_NOT_RECORDED',
      'PAI_NOT_SIGNED',
      'DELIVERY_MODE_NOT_ALLOWED',
    ]);
    expect(explain(driver.machineSnapshot, driver.stamped(event))).toEqual({ allowed: false, ...refusal });
  });

  it('an event not available in the current state: PAI_SIGNED before A.3 starts', () => {
    const driver = aPersonCase('pattoSigned');
    const explanation = explain(driver.machineSnapshot, driver.stamped({ type: 'PAI_SIGNED' }));
    expect(explanation).toMatchObject({ allowed: false, kind: 'not_available' });
    if (explanation.allowed) return;
    expect(explanation.reasons.map((r) => r.code)).toEqual(['EVENT_NOT_AVAILABLE']);
    const [reason] = explanation.reasons;
    assertReadable(reason);
    expect(reason.message.en).toContain('PAI_SIGNED');
    expect(reason.message.en).toContain('A.3 Vocational guidance: in progress');
    expect(reason.message.it).toContain('A.3 Orientamento professionale: in corso');
    expect(driver.refuse({ type: 'PAI_SIGNED' })).toEqual({ kind: 'not_available', reasons: explanation.reasons });
  });

  it('agrees with the engine when the event is allowed', () => {
    const driver = aPersonCase('pattoSigned');
    expect(explain(driver.machineSnapshot, driver.stamped(guidance()))).toEqual({ allowed: true });
    driver.apply(guidance());
  });

  it('names both the operator and the target guard for targeted placement', () => {
    const driver = aPersonCase('new');
    const explanation = explain(driver.machineSnapshot, driver.stamped({ type: 'TARGETED_PLACEMENT_ENROLLED' }));
    expect(explanation).toMatchObject({ allowed: false, kind: 'guards_failed' });
    if (explanation.allowed) return;
    expect(explanation.reasons.map((r) => r.code)).toEqual(['CPI_ONLY_ACT', 'TARGET_NOT_FLAGGED']);
    explanation.reasons.forEach(assertReadable);
    expect(explanation.reasons[1].message.it).toContain('Disabili');
    expect(explanation.reasons[1].message.en).toContain('Disabled people');
  });
});

describe('acts after the Patto', () => {
  it('refuses an A.3 session dated after the DID but before the Patto was signed (DATE_BEFORE_PATTO), allows it on the day', () => {
    const driver = aPersonCase('intakeRecorded');
    driver.apply({ type: 'PATTO_SIGNED', at: '2026-09-20' });
    const refusal = driver.refuse({ type: 'GUIDANCE_SESSION_HELD', mode: 'individual', minutes: 60, at: '2026-09-15' });
    expect(refusal.reasons.map((r) => r.code)).toEqual(['DATE_BEFORE_PATTO']);
    expect(refusal.reasons[0].message.it).toContain('2026-09-20');
    driver.apply({ type: 'GUIDANCE_SESSION_HELD', mode: 'individual', minutes: 60, at: '2026-09-20' });
  });
});

describe('A.1 information: from any point of the network, its output a referral', () => {
  it.each(['new', 'intake', 'pattoSigned', 'guidance', 'matching'] as const)(
    'is available at stage %s and records the referral',
    (stage) => {
      const driver = aPersonCase(stage);
      driver.apply({ type: 'INFORMATION_GIVEN', referral: 'external', externalService: 'Servizio disabili ASL' });
      driver.apply({ type: 'INFORMATION_GIVEN', referral: 'A2' });
      const context = driver.context as { referrals: { to: string; externalService: string | null }[] };
      expect(context.referrals).toEqual([
        expect.objectContaining({ to: 'external', externalService: 'Servizio disabili ASL' }),
        expect.objectContaining({ to: 'A2', externalService: null }),
      ]);
      expect(driver.machineSnapshot.value).toMatchObject({ open: { A1: 'completed' } });
    },
  );

  it('refuses a referral to anything but A.2 or an external service (PAYLOAD_INVALID)', () => {
    const refusal = aPersonCase('new').refuse({ type: 'INFORMATION_GIVEN', referral: 'A6' });
    expect(refusal.reasons.map((r) => r.code)).toEqual(['PAYLOAD_INVALID']);
    expect(refusal.reasons[0].fields?.map((f) => f.field)).toEqual(['referral']);
  });

  it('A.2 starts directly, without A.1', () => {
    const driver = aPersonCase('intake');
    expect(driver.machineSnapshot.value).toMatchObject({ open: { A1: 'notStarted', A2: 'active' } });
  });
});
