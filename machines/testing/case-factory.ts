/**
 * Factories for tests: cases driven through the real engine to a named stage, so a test starts
 * from a case that got there legally (never a hand-written snapshot).
 */
import type { AnyMachineSnapshot } from 'xstate';
import type { Operator } from '../case.js';
import { applyEvent, restore, startCase, type PersistedSnapshot, type Refusal, type StepResult } from '../engine.js';
import type { Reason } from '../guards.js';
import type { PathwayName } from '../pathways.js';

export const ACCREDITED: Operator = { id: 'op-accredited-1', kind: 'accredited' };
export const CPI: Operator = { id: 'op-cpi-1', kind: 'cpi' };

/** The service clock in tests; acts are dated before it. */
export const NOW = new Date('2026-11-26T12:00:00.000Z');
export const DID_DATE = '2026-09-01';
export const ACT_DATE = '2026-10-01';

export type EventInput = { type: string } & Record<string, unknown>;

/** A reason a case manager can read: a stable code, and distinct messages in Italian and English. */
export function assertReadable({ code, message }: Reason): void {
  if (!/^[A-Z][A-Z0-9_]+$/.test(code)) throw new Error(`reason code '${code}' is not a stable code`);
  if (!message.it.trim() || !message.en.trim() || message.it === message.en) {
    throw new Error(`reason ${code} lacks distinct Italian and English messages: ${JSON.stringify(message)}`);
  }
}

export class CaseDriver {
  constructor(
    readonly pathway: PathwayName,
    public snapshot: PersistedSnapshot,
    public operator: Operator = ACCREDITED,
  ) {}

  /** Sends an event with the default date and operator unless the event sets them. */
  send(event: EventInput, now: Date = NOW): StepResult {
    const result = applyEvent({
      pathway: this.pathway,
      snapshot: this.snapshot,
      event: { at: ACT_DATE, operator: this.operator, ...event },
      now,
    });
    if (result.ok) this.snapshot = result.snapshot;
    return result;
  }

  /** Sends an event that must be applied; fails loudly with the reasons otherwise. */
  apply(event: EventInput): this {
    const result = this.send(event);
    if (!result.ok) throw new Error(`${event.type} refused: ${JSON.stringify(result.refusal.reasons.map((r) => r.code))}`);
    return this;
  }

  /**
   * Sends an event that must be refused, and returns the refusal. Checks what every refusal owes a
   * case manager: the stored snapshot deeply unchanged, at least one reason, each with a stable code
   * and a message in Italian and in English.
   */
  refuse(event: EventInput): Refusal {
    const before = JSON.stringify(this.snapshot);
    const result = this.send(event);
    if (result.ok) throw new Error(`${event.type} was applied but should have been refused`);
    if (JSON.stringify(this.snapshot) !== before) throw new Error('a refused event changed the snapshot');
    if (result.refusal.reasons.length === 0) throw new Error(`${event.type} refused without a reason`);
    result.refusal.reasons.forEach(assertReadable);
    return result.refusal;
  }

  codes(event: EventInput): string[] {
    return this.refuse(event).reasons.map((r) => r.code);
  }

  /** The event as the engine stamps it (defaults and `receivedAt`), to ask `explain` about it. */
  stamped(event: EventInput): EventInput {
    return { at: ACT_DATE, operator: this.operator, ...event, receivedAt: NOW.toISOString() };
  }

  /** The open case's parallel regions, keyed by region. */
  get regions(): Record<string, unknown> {
    const value = this.snapshot.value as { open?: Record<string, unknown> };
    if (!value.open) throw new Error(`case is not open: ${JSON.stringify(this.snapshot.value)}`);
    return value.open;
  }

  get machineSnapshot(): AnyMachineSnapshot {
    return restore(this.pathway, this.snapshot);
  }

  get context(): Record<string, unknown> {
    return this.snapshot.context as Record<string, unknown>;
  }
}

export const session = (mode: string, minutes: number) => ({ mode, minutes });

/** The person pathway's stages, in an order a real case can follow. */
export const PERSON_STAGES = {
  new: [],
  // Intake on the day of the DID; later services on ACT_DATE.
  intake: [{ type: 'INTAKE_SESSION_HELD', ...session('individual', 30), at: DID_DATE }],
  intakeRecorded: [
    { type: 'REGISTRY_UPDATED', at: DID_DATE },
    { type: 'DID_RECEIVED', didDate: DID_DATE, deadlineGroup: 'other', at: DID_DATE },
    { type: 'DID_CERTIFICATION_REQUESTED', at: DID_DATE },
  ],
  pattoSigned: [{ type: 'PATTO_SIGNED', at: DID_DATE }],
  guidance: [{ type: 'GUIDANCE_SESSION_HELD', ...session('individual', 60) }],
  paiSigned: [{ type: 'PAI_SIGNED' }],
  needRecorded: [{ type: 'SPECIFIC_NEED_RECORDED', description: 'Needs a skills assessment' }],
  counselling: [{ type: 'COUNSELLING_MEETING_HELD', ...session('individual', 60) }],
  jobSearch: [{ type: 'JOB_SEARCH_SESSION_HELD', ...session('group', 120) }],
  matching: [{ type: 'MATCHING_SESSION_HELD', ...session('individual', 120) }],
  preselected: [{ type: 'CANDIDATE_PRESELECTED', vacancyId: 'V-1' }],
  interview: [{ type: 'SENT_TO_INTERVIEW', vacancyId: 'V-1' }],
} satisfies Record<string, EventInput[]>;

export type PersonStage = keyof typeof PERSON_STAGES;

export const EMPLOYER_STAGES = {
  new: [],
  contacted: [{ type: 'COMPANY_CONTACTED', channel: 'phone' }],
  scoutingMeeting: [{ type: 'SCOUTING_MEETING_HELD', ...session('individual', 30), location: 'company' }],
  interest: [{ type: 'INTEREST_EXPRESSED' }],
  intake: [{ type: 'EMPLOYER_INTAKE_HELD', ...session('individual', 30) }],
  companyRecord: [{ type: 'COMPANY_RECORD_UPDATED' }, { type: 'VACANCY_RECORDED', vacancyId: 'V-1', profile: 'Welder', positions: 2 }],
  pattoSigned: [{ type: 'PATTO_SIGNED' }],
  actionPlan: [{ type: 'ACTION_PLAN_OPENED' }],
  candidate: [{ type: 'CANDIDATE_PUT_FORWARD', vacancyId: 'V-1', personCaseId: 'P-1' }],
} satisfies Record<string, EventInput[]>;

export type EmployerStage = keyof typeof EMPLOYER_STAGES;

function driveTo(pathway: PathwayName, stages: Record<string, EventInput[]>, upTo: string, input?: unknown): CaseDriver {
  const started = startCase({ pathway, input });
  if (!started.ok) throw new Error(`cannot start ${pathway}: ${JSON.stringify(started.refusal)}`);
  const driver = new CaseDriver(pathway, started.snapshot);
  for (const [stage, events] of Object.entries(stages)) {
    events.forEach((e) => driver.apply(e));
    if (stage === upTo) return driver;
  }
  throw new Error(`unknown stage ${upTo}`);
}

/** A person case driven legally up to (and including) a stage. */
export const aPersonCase = (upTo: PersonStage = 'new', input?: unknown): CaseDriver => driveTo('person', PERSON_STAGES, upTo, input);

/** An employer case driven legally up to (and including) a stage. */
export const anEmployerCase = (upTo: EmployerStage = 'new'): CaseDriver => driveTo('employer', EMPLOYER_STAGES, upTo);

/** One valid sample of every event type of each pathway (model-based and property tests). */
export const SAMPLE_EVENTS: Record<PathwayName, EventInput[]> = {
  person: [
    ...Object.values(PERSON_STAGES).flat(),
    { type: 'INFORMATION_GIVEN', referral: 'A2' },
    { type: 'COUNSELLING_COMPLETED', professionalProject: 'Warehouse logistics' },
    { type: 'JOB_SEARCH_COMPLETED' },
    { type: 'PAI_REFUSED', reason: 'Disagrees with the plan' },
    { type: 'PATTO_REFUSED', reason: 'Does not want services' },
    { type: 'TRAINING_REFERRED', course: 'Forklift licence' },
    { type: 'TRAINING_ENROLLED' },
    { type: 'TRAINING_COMPLETED' },
    { type: 'HIRED', contractType: 'permanent', contractStartDate: '2026-12-01' },
    { type: 'WITHDRAWN', reason: 'Moved abroad' },
    { type: 'DID_CERTIFIED' },
    { type: 'TARGET_PROFILE_RECORDED', targets: ['disabled'], languageMediation: true },
    { type: 'TARGETED_PLACEMENT_ENROLLED' },
    { type: 'MOBILITY_LIST_ENROLLED' },
    { type: 'PA_HIRING_REFERRED' },
    { type: 'NETWORK_INTEGRATION_RECORDED', partner: 'asl' },
    { type: 'DEDICATED_OPERATOR_ASSIGNED', operatorId: 'op-dedicated', competences: ['dedicated_operator'] },
    { type: 'TRAINEESHIP_ACTIVATED', host: 'Officine Rossi' },
  ],
  employer: [
    ...Object.values(EMPLOYER_STAGES).flat(),
    { type: 'CONSULTING_SESSION_HELD', mode: 'individual', minutes: 45, topic: 'Apprenticeships' },
    { type: 'CONSULTING_COMPLETED' },
    { type: 'EMPLOYER_FEEDBACK_RECORDED', vacancyId: 'V-1', feedback: 'Good candidate' },
    { type: 'MATCHING_COMPLETED' },
    { type: 'PATTO_REFUSED', reason: 'Not interested' },
    { type: 'CASE_CLOSED', reason: 'Vacancies filled' },
    { type: 'WITHDRAWN', reason: 'Company closed' },
    { type: 'VACANCIES_DETECTED', count: 3 },
    { type: 'HIRING_DECLARED', vacancyId: 'V-1' },
    { type: 'CANDIDATE_HIRED', vacancyId: 'V-1', personCaseId: 'P-1' },
  ],
};
