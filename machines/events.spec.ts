/**
 * The event unions are derived from the catalogues, so what the types accept is what the payload
 * guard accepts: a well-typed event of each shape passes validation, and an event the types refuse
 * (`@ts-expect-error`, checked by `tsc` in lint) is refused by the guard too.
 */
import { describe, expect, it } from '@jest/globals';
import { ENVELOPE_FIELDS, type EventBase, type EventSpec } from './case.js';
import { EMPLOYER_EVENTS, type EmployerEvent } from './employer/employer.events.js';
import { validatePayload } from './payload.js';
import { PERSON_EVENTS, type PersonEvent } from './person/person.events.js';
import { ACT_DATE, CPI, NOW } from './testing/case-factory.js';

const envelope = { at: ACT_DATE, operator: CPI, receivedAt: NOW.toISOString() };

const asPerson = (event: PersonEvent): EventBase => event;
const asEmployer = (event: EmployerEvent): EventBase => event;

const problems = (catalogue: Record<string, EventSpec>, event: EventBase): string[] =>
  validatePayload([...ENVELOPE_FIELDS, ...catalogue[event.type].fields], event, ['type', 'receivedAt']).map(
    (p) => `${p.field}:${p.problem}`,
  );

describe('events typed from the catalogue', () => {
  it('accepts, as types, events the payload guard accepts: required, optional (absent or null), enums, lists', () => {
    const person = [
      asPerson({ type: 'TRAINING_REFERRED', ...envelope, course: 'Saldatura' }),
      asPerson({ type: 'HIRED', ...envelope, contractType: 'permanent', contractStartDate: '2026-10-05' }),
      asPerson({ type: 'SENT_TO_INTERVIEW', ...envelope, vacancyId: 'V-1', employerCaseId: null }),
      asPerson({ type: 'DID_RECEIVED', ...envelope, didDate: '2026-09-01', deadlineGroup: 'priority' }),
      asPerson({ type: 'TARGET_PROFILE_RECORDED', ...envelope, targets: ['disabled', 'immigrant'], languageMediation: true }),
      asPerson({ type: 'GUIDANCE_SESSION_HELD', ...envelope, mode: 'individual', minutes: 60 }),
      asPerson({ type: 'REGISTRY_UPDATED', ...envelope }),
    ];
    const employer = [
      asEmployer({ type: 'VACANCIES_DETECTED', ...envelope, count: 3 }),
      asEmployer({ type: 'CANDIDATE_HIRED', ...envelope, vacancyId: 'V-1' }),
      asEmployer({ type: 'COMPANY_CONTACTED', ...envelope, channel: 'visit' }),
    ];
    for (const event of person) expect([event.type, problems(PERSON_EVENTS, event)]).toEqual([event.type, []]);
    for (const event of employer) expect([event.type, problems(EMPLOYER_EVENTS, event)]).toEqual([event.type, []]);
  });

  it('refuses, as types, events the payload guard refuses', () => {
    const person = [
      // @ts-expect-error: a required field is missing
      asPerson({ type: 'TRAINING_REFERRED', ...envelope }),
      // @ts-expect-error: a value outside the enum
      asPerson({ type: 'HIRED', ...envelope, contractType: 'forever', contractStartDate: '2026-10-05' }),
      // @ts-expect-error: a field of another event
      asPerson({ type: 'REGISTRY_UPDATED', ...envelope, course: 'Saldatura' }),
      // @ts-expect-error: a number where the spec says text
      asPerson({ type: 'TRAINEESHIP_ACTIVATED', ...envelope, host: 42 }),
    ];
    const employer = [
      // @ts-expect-error: a text where the spec says a whole number
      asEmployer({ type: 'VACANCIES_DETECTED', ...envelope, count: '3' }),
    ];
    expect(person.map((event) => problems(PERSON_EVENTS, event))).toEqual([
      ['course:required'],
      ['contractType:enum'],
      ['course:unknown'],
      ['host:type'],
    ]);
    expect(employer.map((event) => problems(EMPLOYER_EVENTS, event))).toEqual([['count:type']]);
  });
});
