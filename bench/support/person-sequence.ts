/**
 * The legal event sequence the service benchmark posts on every case, and the rows the service
 * writes for it (computed with the same engine step), for the raw SQL side to write.
 */
import { applyEvent, startCase, type PersistedSnapshot } from '../../machines/index.js';
import { ACT_DATE, DID_DATE, session } from '../../machines/testing/case-factory.js';
import { columnsOf } from '../../src/cases/case-view.js';
import type { CaseUpdate, EventRow } from '../../src/cases/case.repository.js';
import type { BenchActor } from './service-under-test.js';

/**
 * A person from intake to hiring: A.2 intake, the DID, the Patto, A.3 guidance and PAI, A.4 counselling
 * (two meetings), A.5 job search and A.6 matching (sessions repeated), pre-selection, interview,
 * DID certification, hiring (which closes the case). Every event carries its date, so the service and
 * the precomputation below take the same transitions.
 */
export const EVENT_BODIES: ({ type: string; at: string } & Record<string, unknown>)[] = [
  { type: 'INTAKE_SESSION_HELD', ...session('individual', 30), at: DID_DATE },
  { type: 'REGISTRY_UPDATED', at: DID_DATE },
  { type: 'DID_RECEIVED', didDate: DID_DATE, deadlineGroup: 'other', at: DID_DATE },
  { type: 'DID_CERTIFICATION_REQUESTED', at: DID_DATE },
  { type: 'PATTO_SIGNED', at: DID_DATE },
  { type: 'GUIDANCE_SESSION_HELD', ...session('individual', 60), at: ACT_DATE },
  { type: 'PAI_SIGNED', at: ACT_DATE },
  { type: 'SPECIFIC_NEED_RECORDED', description: 'Needs a skills assessment', at: ACT_DATE },
  { type: 'COUNSELLING_MEETING_HELD', ...session('individual', 60), at: ACT_DATE },
  { type: 'JOB_SEARCH_SESSION_HELD', ...session('group', 120), at: ACT_DATE },
  { type: 'MATCHING_SESSION_HELD', ...session('individual', 120), at: ACT_DATE },
  { type: 'CANDIDATE_PRESELECTED', vacancyId: 'V-1', at: ACT_DATE },
  { type: 'SENT_TO_INTERVIEW', vacancyId: 'V-1', at: ACT_DATE },
  { type: 'COUNSELLING_MEETING_HELD', ...session('individual', 60), at: ACT_DATE },
  { type: 'COUNSELLING_COMPLETED', professionalProject: 'Warehouse logistics', at: ACT_DATE },
  { type: 'JOB_SEARCH_SESSION_HELD', ...session('group', 120), at: ACT_DATE },
  { type: 'MATCHING_SESSION_HELD', ...session('individual', 120), at: ACT_DATE },
  { type: 'JOB_SEARCH_COMPLETED', at: ACT_DATE },
  { type: 'DID_CERTIFIED', at: ACT_DATE },
  { type: 'HIRED', contractType: 'permanent', contractStartDate: '2026-12-01', at: ACT_DATE },
];

/** What the service writes for one event of the sequence: the case columns and the event row. */
export interface StepWrite {
  update: CaseUpdate;
  event: Pick<EventRow, 'type' | 'payload' | 'stateBefore' | 'stateAfter' | 'actor' | 'occurredAt'>;
  snapshotBytes: number;
}

/**
 * Drives a fresh person case through EVENT_BODIES with the engine, as `actor` (the provisioned
 * operator's recorded actor, ServiceUnderTest.operator.actor); throws if any event is refused.
 */
export function precomputeWrites(actor: BenchActor, now = new Date()): StepWrite[] {
  const started = startCase({ pathway: 'person', input: {} });
  if (!started.ok) throw new Error(`cannot open a person case: ${JSON.stringify(started.refusal.reasons)}`);
  let snapshot: PersistedSnapshot = started.snapshot;
  return EVENT_BODIES.map((body) => {
    const step = applyEvent({
      pathway: 'person',
      snapshot,
      event: { ...body, operator: { id: actor.id, kind: actor.kind } },
      now,
    });
    if (!step.ok) throw new Error(`${body.type} refused: ${step.refusal.reasons.map((r) => r.code).join(', ')}`);
    const write: StepWrite = {
      update: columnsOf(step),
      event: {
        type: step.event.type,
        payload: step.event,
        stateBefore: snapshot.value,
        stateAfter: step.value,
        actor: { ...actor },
        occurredAt: new Date(Date.parse(step.event.at)),
      },
      snapshotBytes: JSON.stringify(step.snapshot).length,
    };
    snapshot = step.snapshot;
    return write;
  });
}
