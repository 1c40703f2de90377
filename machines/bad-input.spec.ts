/**
 * Bad input never throws and never changes a case: it is always a refusal with a stable code,
 * and a malformed payload names the fields that are wrong. Both pathways, through the engine.
 */
import { describe, expect, it } from '@jest/globals';
import { applyEvent } from './engine.js';
import { explain } from './explain.js';
import type { Refusal } from './engine.js';
import type { PathwayName } from './pathways.js';
import { ACT_DATE, CPI, NOW, aPersonCase, anEmployerCase, session, type CaseDriver, type EventInput } from './testing/case-factory.js';

/** Sends a raw value as the event, bypassing the driver's envelope, and expects a refusal. */
function rawRefusal(pathway: PathwayName, driver: CaseDriver, event: unknown): Refusal {
  const before = JSON.parse(JSON.stringify(driver.snapshot)) as unknown;
  const result = applyEvent({ pathway, snapshot: driver.snapshot, event, now: NOW });
  expect(driver.snapshot).toEqual(before);
  if (result.ok) throw new Error(`${JSON.stringify(event)} was applied but should have been refused`);
  return result.refusal;
}

/** The single PAYLOAD_INVALID reason, with the fields it names as `field:problem`. */
function payloadProblems(refusal: Refusal): string[] {
  if (refusal.kind !== 'invalid_payload') throw new Error(`expected invalid_payload, got ${refusal.kind}`);
  const reason = refusal.reasons.find((r) => r.code === 'PAYLOAD_INVALID');
  if (!reason) throw new Error(`no PAYLOAD_INVALID in ${JSON.stringify(refusal.reasons.map((r) => r.code))}`);
  expect(refusal.cause).toBe(reason);
  expect(refusal.fields).toEqual(reason.fields);
  const fields = reason.fields ?? [];
  for (const f of fields) {
    expect(reason.message.en).toContain(f.field);
    expect(reason.message.it).toContain(f.field);
    expect(f.message.en).toContain(f.field);
  }
  return fields.map((f) => `${f.field}:${f.problem}`);
}

const cases: Record<PathwayName, () => CaseDriver> = {
  person: () => aPersonCase('new'),
  employer: () => anEmployerCase('new'),
};

const intake = (minutes: unknown = 30, mode: unknown = 'individual'): EventInput => ({ type: 'INTAKE_SESSION_HELD', mode, minutes });

describe('events that are not events', () => {
  const PATHWAY_NAMES: PathwayName[] = ['person', 'employer'];
  const notEvents: [string, unknown][] = [
    ['null', null],
    ['undefined', undefined],
    ['a string', 'WITHDRAWN'],
    ['a number', 42],
    ['a boolean', true],
    ['an array', ['WITHDRAWN']],
    ['an object without type', { at: ACT_DATE, operator: CPI, reason: 'x' }],
    ['a numeric type', { type: 42, at: ACT_DATE, operator: CPI }],
    ['a null type', { type: null, at: ACT_DATE, operator: CPI }],
    ['an object type', { type: { name: 'WITHDRAWN' }, at: ACT_DATE, operator: CPI }],
    ['an empty type', { type: '', at: ACT_DATE, operator: CPI }],
  ];

  for (const pathway of PATHWAY_NAMES) {
    it.each(notEvents)(`${pathway}: %s is refused with EVENT_UNKNOWN`, (_label, event) => {
      const refusal = rawRefusal(pathway, cases[pathway](), event);
      expect(refusal).toMatchObject({ kind: 'unknown_event' });
      expect(refusal.reasons.map((r) => r.code)).toEqual(['EVENT_UNKNOWN']);
    });
  }

  it('a type that cannot be turned into text is refused, not thrown', () => {
    const driver = aPersonCase('new');
    const event = { type: Object.create(null) as object, at: ACT_DATE, operator: CPI };
    let refusal: Refusal | undefined;
    expect(() => {
      refusal = rawRefusal('person', driver, event);
    }).not.toThrow();
    expect(refusal?.reasons.map((r) => r.code)).toEqual(['EVENT_UNKNOWN']);
  });
});

describe('unknown event types', () => {
  it.each([
    ['person', 'NOT_AN_EVENT'],
    ['person', 'guidance_session_held'],
    ['person', 'COMPANY_CONTACTED'],
    ['person', 'xstate.init'],
    ['person', '*'],
    ['employer', 'DID_RECEIVED'],
    ['employer', 'GUIDANCE_SESSION_HELD'],
    ['employer', 'NOT_AN_EVENT'],
  ] as [PathwayName, string][])('%s: %s is refused with EVENT_UNKNOWN, naming the type', (pathway, type) => {
    const driver = cases[pathway]();
    const refusal = driver.refuse({ type });
    expect(refusal.kind).toBe('unknown_event');
    expect(refusal.reasons.map((r) => r.code)).toEqual(['EVENT_UNKNOWN']);
    expect(refusal.reasons[0].message.en).toContain(type);
    expect(refusal).toMatchObject({ cause: refusal.reasons[0], fields: [{ field: 'type', problem: 'enum' }] });
    expect(explain(driver.machineSnapshot, { type, at: ACT_DATE, operator: CPI })).toEqual({
      allowed: false,
      kind: 'unknown_event',
      reasons: refusal.reasons,
    });
  });

  // Names every plain object inherits must not pass for events of the catalogue.
  it.each([
    ['person', 'toString'],
    ['person', 'constructor'],
    ['person', '__proto__'],
    ['employer', 'valueOf'],
  ] as [PathwayName, string][])('%s: the inherited name %s is refused with EVENT_UNKNOWN', (pathway, type) => {
    const refusal = rawRefusal(pathway, cases[pathway](), JSON.parse(`{"type": ${JSON.stringify(type)}}`) as unknown);
    expect(refusal.kind).toBe('unknown_event');
    expect(refusal.reasons.map((r) => r.code)).toEqual(['EVENT_UNKNOWN']);
  });
});

describe('malformed payloads (PAYLOAD_INVALID, naming the fields)', () => {
  type Row = [label: string, setup: () => CaseDriver, event: EventInput, problems: string[]];
  const rows: Row[] = [
    ['minutes missing', () => aPersonCase('new'), { type: 'INTAKE_SESSION_HELD', mode: 'individual' }, ['minutes:required']],
    ['mode and minutes missing', () => aPersonCase('new'), { type: 'INTAKE_SESSION_HELD' }, ['mode:required', 'minutes:required']],
    ['minutes null', () => aPersonCase('new'), intake(null), ['minutes:required']],
    ['minutes as a string', () => aPersonCase('new'), intake('30'), ['minutes:type']],
    ['minutes 30.5', () => aPersonCase('new'), intake(30.5), ['minutes:type']],
    ['minutes NaN', () => aPersonCase('new'), intake(Number.NaN), ['minutes:type']],
    ['minutes zero', () => aPersonCase('new'), intake(0), ['minutes:range']],
    ['minutes negative', () => aPersonCase('new'), intake(-30), ['minutes:range']],
    ['minutes over 720', () => aPersonCase('new'), intake(721), ['minutes:range']],
    ['minutes absurd', () => aPersonCase('new'), intake(100000), ['minutes:range']],
    ['mode unknown', () => aPersonCase('new'), intake(30, 'online'), ['mode:enum']],
    ['mode a number', () => aPersonCase('new'), intake(30, 5), ['mode:type']],
    ['an unknown extra field', () => aPersonCase('new'), { ...intake(), room: 'B12' }, ['room:unknown']],
    [
      'a misspelt field',
      () => aPersonCase('new'),
      { type: 'INTAKE_SESSION_HELD', mode: 'individual', minute: 30 },
      ['minutes:required', 'minute:unknown'],
    ],
    [
      'several problems at once',
      () => aPersonCase('new'),
      { ...intake('30', 'online'), extra: true },
      ['mode:enum', 'minutes:type', 'extra:unknown'],
    ],
    ['referral not A2/external', () => aPersonCase('new'), { type: 'INFORMATION_GIVEN', referral: 'A3' }, ['referral:enum']],
    ['reason missing', () => aPersonCase('new'), { type: 'WITHDRAWN' }, ['reason:required']],
    ['reason empty', () => aPersonCase('new'), { type: 'WITHDRAWN', reason: '' }, ['reason:required']],
    ['reason blank', () => aPersonCase('new'), { type: 'WITHDRAWN', reason: '   ' }, ['reason:required']],
    ['reason a number', () => aPersonCase('new'), { type: 'WITHDRAWN', reason: 42 }, ['reason:type']],
    ['reason too long', () => aPersonCase('new'), { type: 'WITHDRAWN', reason: 'x'.repeat(2001) }, ['reason:range']],
    ['didDate missing', () => aPersonCase('intake'), { type: 'DID_RECEIVED', deadlineGroup: 'other' }, ['didDate:required']],
    [
      'deadlineGroup unknown',
      () => aPersonCase('intake'),
      { type: 'DID_RECEIVED', didDate: '2026-09-01', deadlineGroup: 'young' },
      ['deadlineGroup:enum'],
    ],
    [
      'targets not a list',
      () => aPersonCase('new'),
      { type: 'TARGET_PROFILE_RECORDED', targets: 'disabled', languageMediation: false },
      ['targets:type'],
    ],
    [
      'targets with an unknown target',
      () => aPersonCase('new'),
      { type: 'TARGET_PROFILE_RECORDED', targets: ['pirate'], languageMediation: false },
      ['targets:enum'],
    ],
    [
      'targets repeated',
      () => aPersonCase('new'),
      { type: 'TARGET_PROFILE_RECORDED', targets: ['disabled', 'disabled'], languageMediation: false },
      ['targets:format'],
    ],
    [
      'languageMediation not a boolean',
      () => aPersonCase('new'),
      { type: 'TARGET_PROFILE_RECORDED', targets: [], languageMediation: 'yes' },
      ['languageMediation:type'],
    ],
    [
      'contract type unknown',
      () => aPersonCase('interview'),
      { type: 'HIRED', contractType: 'handshake', contractStartDate: '2026-10-15' },
      ['contractType:enum'],
    ],
    [
      'contract start missing',
      () => aPersonCase('interview'),
      { type: 'HIRED', contractType: 'permanent' },
      ['contractStartDate:required'],
    ],
    ['employer channel unknown', () => anEmployerCase('new'), { type: 'COMPANY_CONTACTED', channel: 'pigeon' }, ['channel:enum']],
    [
      'employer minutes as a string',
      () => anEmployerCase('new'),
      { type: 'EMPLOYER_INTAKE_HELD', mode: 'individual', minutes: '30' },
      ['minutes:type'],
    ],
    [
      'employer minutes over 720',
      () => anEmployerCase('new'),
      { type: 'EMPLOYER_INTAKE_HELD', mode: 'individual', minutes: 721 },
      ['minutes:range'],
    ],
    [
      'employer location missing',
      () => anEmployerCase('contacted'),
      { type: 'SCOUTING_MEETING_HELD', ...session('individual', 30) },
      ['location:required'],
    ],
    [
      'employer positions zero',
      () => anEmployerCase('intake'),
      { type: 'VACANCY_RECORDED', vacancyId: 'V-9', profile: 'Cook', positions: 0 },
      ['positions:range'],
    ],
    ['employer vacancyId missing', () => anEmployerCase('actionPlan'), { type: 'CANDIDATE_PUT_FORWARD' }, ['vacancyId:required']],
    [
      'employer unknown extra field',
      () => anEmployerCase('new'),
      { type: 'COMPANY_CONTACTED', channel: 'phone', salary: 1000 },
      ['salary:unknown'],
    ],
  ];

  it.each(rows)('%s', (_label, setup, event, problems) => {
    const driver = setup();
    const refusal = driver.refuse(event);
    expect(refusal.reasons.map((r) => r.code)).toEqual(['PAYLOAD_INVALID']);
    expect(payloadProblems(refusal)).toEqual(problems);
    const explanation = explain(driver.machineSnapshot, {
      at: ACT_DATE,
      operator: driver.operator,
      ...event,
      receivedAt: NOW.toISOString(),
    });
    // explain calls it a failed guard; the engine sorts it as the sender's to fix.
    expect(explanation).toEqual({ allowed: false, kind: 'guards_failed', reasons: refusal.reasons });
  });

  it.each([1, 720])('minutes %i (the bounds of the field) are accepted where no minimum applies', (minutes) => {
    anEmployerCase('actionPlan').apply({ type: 'CONSULTING_SESSION_HELD', ...session('individual', minutes), topic: 'Contracts' });
  });

  it('720 minutes, the longest plausible session, is accepted for A.2', () => {
    aPersonCase('new').apply(intake(720));
  });
});

describe('dates', () => {
  const invalidDates: [string, unknown][] = [
    ['30 February', '2026-02-30'],
    ['29 February of a common year', '2026-02-29'],
    ['month 13', '2026-13-01'],
    ['a word', 'yesterday'],
    ['an Italian-style date', '01/10/2026'],
    ['a date-time without a zone', '2026-10-01T10:00'],
    ['an empty string', ''],
    ['a number', 20261001],
    ['a Date object', new Date('2026-10-01')],
  ];

  it.each(invalidDates)('`at` as %s is PAYLOAD_INVALID naming `at`', (_label, at) => {
    const refusal = aPersonCase('new').refuse({ ...intake(), at });
    expect(refusal.reasons.map((r) => r.code)).toEqual(['PAYLOAD_INVALID']);
    expect(payloadProblems(refusal).map((p) => p.split(':')[0])).toEqual(['at']);
  });

  it.each([
    ['didDate', () => aPersonCase('intake'), { type: 'DID_RECEIVED', didDate: '2026-02-30', deadlineGroup: 'other' }],
    ['didDate', () => aPersonCase('intake'), { type: 'DID_RECEIVED', didDate: 'yesterday', deadlineGroup: 'other' }],
    ['contractStartDate', () => aPersonCase('interview'), { type: 'HIRED', contractType: 'permanent', contractStartDate: '2026-02-30' }],
    ['contractStartDate', () => aPersonCase('interview'), { type: 'HIRED', contractType: 'permanent', contractStartDate: 'next monday' }],
  ] as [string, () => CaseDriver, EventInput][])('an invalid %s is PAYLOAD_INVALID naming it', (field, setup, event) => {
    const refusal = setup().refuse(event);
    expect(refusal.reasons.map((r) => r.code)).toEqual(['PAYLOAD_INVALID']);
    expect(payloadProblems(refusal)).toEqual([`${field}:format`]);
  });

  it.each([
    ['a leap day', '2024-02-29'],
    ['a UTC date-time', '2026-10-01T10:00:00Z'],
    ['a date-time with an offset', '2026-10-01T10:00:00+02:00'],
    ['a date-time with milliseconds', '2026-10-01T10:00:00.123Z'],
  ])('`at` as %s is accepted', (_label, at) => {
    aPersonCase('new').apply({ ...intake(), at });
  });

  const FIVE_MINUTES = 5 * 60 * 1000;
  const future = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

  it.each([
    ['person', () => aPersonCase('new'), intake()],
    ['employer', () => anEmployerCase('new'), { type: 'COMPANY_CONTACTED', channel: 'phone' }],
  ] as [string, () => CaseDriver, EventInput][])(
    '%s: an act dated after the clock (beyond the tolerance) is DATE_IN_FUTURE',
    (_p, setup, event) => {
      for (const at of [future(FIVE_MINUTES + 1000), '2027-01-01', '2099-12-31T00:00:00Z']) {
        const refusal = setup().refuse({ ...event, at });
        expect(refusal.reasons.map((r) => r.code)).toEqual(['DATE_IN_FUTURE']);
        expect(refusal.reasons[0].message.en).toContain(at);
      }
      setup().apply({ ...event, at: future(FIVE_MINUTES) });
      setup().apply({ ...event, at: NOW.toISOString() });
    },
  );

  it.each([
    ['00:30 in Rome in winter (23:30 UTC)', '2026-12-01T23:30:00Z', '2026-12-02', '2026-12-03'],
    ['00:30 in Rome in summer (22:30 UTC)', '2026-07-01T22:30:00Z', '2026-07-02', '2026-07-03'],
  ])("a day without a time is judged by today's date in Italy: at %s", (_label, now, today, tomorrow) => {
    expect(aPersonCase('new').send({ ...intake(), at: today }, new Date(now)).ok).toBe(true);
    const refusal = aPersonCase('new').send({ ...intake(), at: tomorrow }, new Date(now));
    expect(refusal.ok).toBe(false);
  });

  it('before midnight in Rome, the next day is still in the future', () => {
    expect(aPersonCase('new').send({ ...intake(), at: '2026-12-02' }, new Date('2026-12-01T22:59:00Z')).ok).toBe(false);
  });

  it('the future is judged against the service clock, not the date in the event', () => {
    const driver = aPersonCase('new');
    const result = driver.send({ ...intake(), at: '2026-11-27' }, new Date('2026-11-28T00:00:00Z'));
    expect(result.ok).toBe(true);
  });
});

describe('the acting operator', () => {
  const badOperators: [string, unknown, string][] = [
    ['missing', undefined, 'required'],
    ['null', null, 'required'],
    ['a string', 'op-cpi-1', 'type'],
    ['an array', [CPI], 'type'],
    ['without id', { kind: 'cpi' }, 'required'],
    ['with an empty id', { id: '  ', kind: 'cpi' }, 'required'],
    ['without kind', { id: 'op-1' }, 'enum'],
    ['with an unknown kind', { id: 'op-1', kind: 'boss' }, 'enum'],
  ];

  it.each(badOperators)('an operator %s is PAYLOAD_INVALID naming `operator`', (_label, operator, problem) => {
    const refusal = aPersonCase('new').refuse({ ...intake(), operator });
    expect(refusal.reasons.map((r) => r.code)).toEqual(['PAYLOAD_INVALID']);
    expect(payloadProblems(refusal)).toEqual([`operator:${problem}`]);
  });

  it.each(badOperators)('an operator %s cannot perform a CPI-only act either', (_label, operator) => {
    const refusal = aPersonCase('intakeRecorded').refuse({ type: 'DID_CERTIFIED', operator });
    expect(refusal.reasons.map((r) => r.code)).toContain('PAYLOAD_INVALID');
  });

  it.each(badOperators)('employer: an operator %s is PAYLOAD_INVALID', (_label, operator, problem) => {
    const refusal = anEmployerCase('new').refuse({ type: 'COMPANY_CONTACTED', channel: 'phone', operator });
    expect(payloadProblems(refusal)).toEqual([`operator:${problem}`]);
  });
});
