import type { CaseState, DeadlineStatus, FieldProblem, Reason } from '../../machines/index.js';
import type { Language } from '../config/app-config.js';
import type { CaseRow, CaseUpdate, EventRow } from './case.repository.js';
import { deadlineViewsOf, type DeadlineView } from './case-deadlines.js';

/** A case as the API shows it (GET /cases/:id and the responses to writes). */
export interface CaseView {
  id: string;
  pathway: string;
  machineVersion: string;
  subject: string;
  /** The office the case belongs to. */
  officeId: string | null;
  /** The operator in charge (an operator id), or null. */
  assignee: string | null;
  status: string;
  state: unknown;
  statePaths: string[];
  services: Record<string, string>;
  /** A trainee's practice case: never sent to webhooks, never counted in indicators. */
  practice: boolean;
  /** Its personal data masked: a real case read by an observer (a trainer). */
  masked: boolean;
  context: unknown;
  /** Person cases: the legal deadlines, as they stand today (Europe/Rome). */
  deadlines?: DeadlineView[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** The short form the list returns. */
export type CaseSummary = Omit<CaseView, 'context' | 'deadlines'>;

export const etagOf = (version: number): string => `"${version}"`;

/** The queryable columns of a case, from the engine's view of its snapshot. */
export const columnsOf = (state: CaseState): CaseUpdate => ({
  snapshot: state.snapshot,
  status: state.status,
  statePaths: state.statePaths,
  services: state.services,
});

export function summaryOf(row: CaseRow): CaseSummary {
  return {
    id: row.id,
    pathway: row.pathway,
    machineVersion: row.machineVersion,
    subject: row.subject,
    officeId: row.officeId,
    assignee: row.assigneeId,
    status: row.status,
    state: row.snapshot.value,
    statePaths: row.statePaths,
    services: row.services,
    practice: row.practice,
    masked: row.masked === true,
    version: row.version,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

/** The full view of a case at `now`: its row, and its legal deadlines as the engine read them (none: not shown). */
export function viewOf(row: CaseRow, deadlines: DeadlineStatus[] | null, now: Date): CaseView {
  const view: CaseView = { ...summaryOf(row), context: row.snapshot.context };
  if (deadlines !== null) view.deadlines = deadlineViewsOf(deadlines, now);
  return view;
}

export interface HistoryEntry {
  id: string;
  sequence: number;
  type: string;
  payload: Record<string, unknown>;
  stateBefore: unknown;
  stateAfter: unknown;
  actor: Record<string, unknown>;
  occurredAt: string;
  recordedAt: string;
  idempotencyKey: string | null;
}

export function historyEntryOf(row: EventRow): HistoryEntry {
  return {
    id: row.id,
    sequence: row.sequence,
    type: row.type,
    payload: row.payload,
    stateBefore: row.stateBefore,
    stateAfter: row.stateAfter,
    actor: row.actor,
    occurredAt: new Date(row.occurredAt).toISOString(),
    recordedAt: new Date(row.recordedAt).toISOString(),
    idempotencyKey: row.idempotencyKey,
  };
}

/** A machine reason in one language, as problem bodies and /transitions show it. */
export const reasonIn = (reason: Reason, language: Language) => ({
  code: reason.code,
  guard: reason.guard,
  message: reason.message[language],
  ...(reason.fields ? { fields: reason.fields.map((f) => fieldIn(f, language)) } : {}),
});

/** A field problem from the machine, its message (if any) in one language. */
export function fieldIn(field: FieldProblem, language: Language): { field: string; problem: string; message?: string } {
  const message = (field as { message?: Partial<Record<Language, string>> }).message?.[language];
  return { field: field.field, problem: field.problem, ...(message ? { message } : {}) };
}
