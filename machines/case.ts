import type { FieldSpec } from './payload.js';
import { parseDate } from './payload.js';
import type { DeliveryMode, OperatorKind, ServiceKey, Text } from './repertory.js';

/** Who performs an act. The kind decides what the standards allow (CPI-only acts). */
export interface Operator {
  id: string;
  kind: OperatorKind;
}

/**
 * An event as the machines receive it. `at` is when the act happened; `receivedAt` is set by the
 * engine step from its clock, so that a guard can refuse acts dated in the future without the
 * machine reading a clock. Other fields are the event's payload, described by its EventSpec.
 */
export interface CaseEvent {
  type: string;
  at: string;
  operator: Operator;
  receivedAt: string;
  [field: string]: unknown;
}

/** One event type of a pathway, as data. */
export interface EventSpec {
  type: string;
  /** The service this event belongs to, if any. */
  service: ServiceKey | null;
  summary: Text;
  /** Payload fields (besides the envelope: type, at, operator). */
  fields: FieldSpec[];
  /** Monitoring indicators this event feeds. */
  indicators: string[];
}

/** Fields every event carries. */
export const ENVELOPE_FIELDS: FieldSpec[] = [
  {
    name: 'at',
    type: { kind: 'date' },
    required: true,
    description: { it: "Quando è avvenuto l'atto", en: 'When the act took place' },
  },
  {
    name: 'operator',
    type: { kind: 'operator' },
    required: true,
    description: { it: "L'operatore che agisce: {id, kind: cpi | accredited}", en: 'The acting operator: {id, kind: cpi | accredited}' },
  },
];

export interface Session {
  at: string;
  mode: DeliveryMode;
  minutes: number | null;
  operatorId: string;
}

export interface ServiceRecord {
  startedAt: string | null;
  completedAt: string | null;
  sessions: Session[];
}

export interface PattoRecord {
  signedAt: string | null;
  refusedAt: string | null;
  refusalReason: string | null;
}

export interface Outcome {
  kind: string;
  at: string;
  reason: string | null;
}

/** What both pathways' contexts have in common, so shared guards can read it. */
export interface CaseContextBase {
  services: Partial<Record<ServiceKey, ServiceRecord>>;
  patto: PattoRecord;
  outcome: Outcome | null;
}

export const emptyServiceRecord = (): ServiceRecord => ({ startedAt: null, completedAt: null, sessions: [] });

export const emptyPatto = (): PattoRecord => ({ signedAt: null, refusedAt: null, refusalReason: null });

// Readers for payload fields. Guards run before actions, so actions read fields that were validated;
// guards themselves must not trust the payload and use the tolerant forms.
export const text = (event: CaseEvent, field: string): string | null => (typeof event[field] === 'string' ? event[field] : null);

export const textOr = (event: CaseEvent, field: string, fallback: string): string => text(event, field) ?? fallback;

export const integer = (event: CaseEvent, field: string): number | null =>
  typeof event[field] === 'number' && Number.isInteger(event[field]) ? event[field] : null;

export const list = (event: CaseEvent, field: string): string[] =>
  Array.isArray(event[field]) ? (event[field] as unknown[]).filter((v): v is string => typeof v === 'string') : [];

export const operatorOf = (event: CaseEvent): Operator | null => {
  const op = event.operator as unknown;
  if (typeof op !== 'object' || op === null) return null;
  const { id, kind } = op as Record<string, unknown>;
  return typeof id === 'string' && (kind === 'cpi' || kind === 'accredited') ? { id, kind } : null;
};

export const msOf = (value: unknown): number => parseDate(value);

export const sessionOf = (event: CaseEvent): Session => ({
  at: event.at,
  mode: (text(event, 'mode') ?? 'individual') as DeliveryMode,
  minutes: integer(event, 'minutes'),
  operatorId: operatorOf(event)?.id ?? 'unknown',
});
