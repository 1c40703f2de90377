import { expect } from '@jest/globals';
import { ACT_DATE, PERSON_STAGES } from '../../machines/testing/case-factory.js';
import type { Client } from './test-app.js';
import { taxCode } from './subjects.js';

/** A case under fire, and the event that can be applied to it again and again. */
export interface Target {
  id: string;
  event: Record<string, unknown>;
}

/** A.3 guidance, which a person case with the Patto signed can record again and again. */
export const GUIDANCE = { type: 'GUIDANCE_SESSION_HELD', mode: 'individual', minutes: 60, at: ACT_DATE };

/** A person case taken through intake and the Patto (version 6): guidance sessions can follow, again and again. */
export async function aCaseInGuidance(api: Client, body: Record<string, unknown> = {}): Promise<string> {
  const opened = await api.post('/cases', { pathway: 'person', subject: taxCode(), ...body });
  expect(opened.status).toBe(201);
  for (const event of [...PERSON_STAGES.intake, ...PERSON_STAGES.intakeRecorded, ...PERSON_STAGES.pattoSigned]) {
    expect((await api.post(`/cases/${opened.body.id}/events`, event)).status).toBe(200);
  }
  return opened.body.id as string;
}

/**
 * `count` person cases for load and crash tests: the even ones get A.1 information again and again
 * (allowed from anywhere), the odd ones are taken through intake and the Patto and then get A.3
 * guidance sessions, also repeatable. Returns them, and the ids of the events the set-up applied.
 */
export async function openRepeatableCases(api: Client, args: { count: number }): Promise<{ targets: Target[]; setup: Set<string> }> {
  const targets: Target[] = [];
  const setup = new Set<string>();
  for (let i = 0; i < args.count; i++) {
    const opened = await api.post('/cases', { pathway: 'person', subject: taxCode() });
    expect(opened.status).toBe(201);
    const id = opened.body.id as string;
    if (i % 2 === 0) {
      targets.push({ id, event: { type: 'INFORMATION_GIVEN', referral: 'A2' } });
      continue;
    }
    for (const event of [...PERSON_STAGES.intake, ...PERSON_STAGES.intakeRecorded, ...PERSON_STAGES.pattoSigned]) {
      const res = await api.post(`/cases/${id}/events`, event);
      expect({ type: event.type, status: res.status }).toEqual({ type: event.type, status: 200 });
      setup.add(res.body.event.id);
    }
    targets.push({ id, event: GUIDANCE });
  }
  return { targets, setup };
}
