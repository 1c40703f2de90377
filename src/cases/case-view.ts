import {
  PATHWAYS,
  legalDeadlines,
  restore,
  serviceStatuses,
  type PathwayName,
  type Reason,
  type PersistedSnapshot,
  type FieldProblem,
} from '../../machines/index.js';
import type { Language } from '../config/app-config.js';
import type { CaseRow, CaseUpdate, EventRow } from './case.repository.js';

/** A case as the API shows it (GET /cases/:id and the responses to writes). */
export interface CaseView {
  id: string;
  pathway: string;
  machineVersion: string;
  subject: string;
  office: string | null;
  status: string;
  state: unknown;
  statePaths: string[];
  services: Record<string, string>;
  /** A trainee's practice case: never sent to webhooks, never counted in indicators. */
  practice: boolean;
  context: unknown;
  deadlines?: unknown;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** The short form the list returns. */
export type CaseSummary = Omit<CaseView, 'context' | 'deadlines'>;

export const etagOf = (version: number): string => `"${version}"`;

/** Every active state node as a dotted path: {open: {a1: 'done'}} -> ['open', 'open.a1', 'open.a1.done']. */
export function statePaths(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix ? `${prefix}.${value}` : value];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...statePaths(child, path)];
  });
}

/** The queryable columns derived from a snapshot. */
export function derive(pathway: PathwayName, snapshot: PersistedSnapshot): CaseUpdate {
  const machineSnapshot = restore(pathway, snapshot);
  return {
    snapshot,
    status: String(snapshot.status),
    statePaths: statePaths(snapshot.value),
    services: serviceStatuses(machineSnapshot),
  };
}

export function summaryOf(row: CaseRow): CaseSummary {
  return {
    id: row.id,
    pathway: row.pathway,
    machineVersion: row.machineVersion,
    subject: row.subject,
    office: row.office,
    status: row.status,
    state: row.snapshot.value,
    statePaths: row.statePaths,
    services: row.services,
    practice: row.practice,
    version: row.version,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

export function viewOf(row: CaseRow, now: Date): CaseView {
  const view: CaseView = { ...summaryOf(row), context: row.snapshot.context };
  // Legal deadlines (D.Lgs. 181/2000) apply to people's cases only.
  if (row.pathway === PATHWAYS.person.name) view.deadlines = legalDeadlines(restore('person', row.snapshot), now);
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
