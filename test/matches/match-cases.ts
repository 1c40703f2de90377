import { expect } from '@jest/globals';
import { ACT_DATE, EMPLOYER_STAGES, PERSON_STAGES, type EventInput } from '../../machines/testing/case-factory.js';
import { taxCode, vatNumber } from '../support/subjects.js';
import type { Client } from '../support/test-app.js';

/** The vacancy the employer cases record (EMPLOYER_STAGES.companyRecord). */
export const VACANCY = 'V-1';
/** When the acts happen: after the DID and the set-up, before the service's clock. */
export const AT = ACT_DATE;

/** A person case in A.6 with a pre-selection: it can be sent to interviews (SENT_TO_INTERVIEW), again and again. */
const PERSON_TO_MATCHING: EventInput[] = [
  ...PERSON_STAGES.intake,
  ...PERSON_STAGES.intakeRecorded,
  ...PERSON_STAGES.pattoSigned,
  ...PERSON_STAGES.guidance,
  ...PERSON_STAGES.matching,
  ...PERSON_STAGES.preselected,
];

/** An employer case through B.1 and B.2 with vacancy V-1 and a signed Patto: candidates can be put forward (B.4). */
const EMPLOYER_TO_MATCHING: EventInput[] = [
  ...EMPLOYER_STAGES.contacted,
  ...EMPLOYER_STAGES.scoutingMeeting,
  ...EMPLOYER_STAGES.interest,
  ...EMPLOYER_STAGES.intake,
  ...EMPLOYER_STAGES.companyRecord,
  ...EMPLOYER_STAGES.pattoSigned,
  ...EMPLOYER_STAGES.actionPlan,
];

async function openWith(api: Client, body: Record<string, unknown>, events: EventInput[]): Promise<string> {
  const opened = await api.post('/cases', body);
  expect({ status: opened.status, body: opened.status === 201 ? null : opened.body }).toEqual({ status: 201, body: null });
  const id = opened.body.id as string;
  for (const event of events) {
    const res = await api.post(`/cases/${id}/events`, { at: event.at ?? AT, ...event });
    expect({ type: event.type, status: res.status }).toEqual({ type: event.type, status: 200 });
  }
  return id;
}

/** A person case, taken up to `upTo` events of the way to A.6 (all of them by default). */
export const aPerson = (api: Client, options: { practice?: boolean; upTo?: number } = {}) =>
  openWith(
    api,
    { pathway: 'person', subject: taxCode(), ...(options.practice ? { practice: true } : {}) },
    PERSON_TO_MATCHING.slice(0, options.upTo),
  );

/** An employer case, taken up to `upTo` events of the way to B.4 (all of them by default). */
export const anEmployer = (api: Client, options: { practice?: boolean; upTo?: number } = {}) =>
  openWith(
    api,
    { pathway: 'employer', subject: vatNumber(), ...(options.practice ? { practice: true } : {}) },
    EMPLOYER_TO_MATCHING.slice(0, options.upTo),
  );

/** A case's history (one page: the tests' cases are short). */
export async function historyOf(api: Client, caseId: string): Promise<any[]> {
  const res = await api.get(`/cases/${caseId}/history`);
  expect(res.status).toBe(200);
  return res.body.events;
}
