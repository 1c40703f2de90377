import type { FieldSpec, FieldType } from './payload.js';
import { parseDate } from './payload.js';
import type { DeliveryMode, OperatorKind, ServiceKey, Text } from './repertory.js';

/** Who performs an act. The kind decides what the standards allow (CPI-only acts). */
export interface Operator {
  id: string;
  kind: OperatorKind;
}

/** Fields every event carries, whatever its type: the envelope. */
export interface EventBase {
  type: string;
  /** When the act happened. */
  at: string;
  operator: Operator;
  /** Set by the engine step from its clock: a guard refuses acts dated in the future without the machine reading a clock. */
  receivedAt: string;
}

/**
 * An event as it reaches the guards: the envelope, and a payload not yet validated. The payload
 * guard checks it against the event's EventSpec; guards must not trust its other fields (the
 * inspector evaluates guards on probes without a payload).
 */
export interface CaseEvent extends EventBase {
  [field: string]: unknown;
}

/** One event type of a pathway, as data. Catalogues are written `as const satisfies`, so their types are derived. */
export interface EventSpec {
  type: string;
  /** The service this event belongs to, if any. */
  service: ServiceKey | null;
  summary: Text;
  /** Payload fields (besides the envelope: type, at, operator). */
  fields: readonly FieldSpec[];
  /** Monitoring indicators this event feeds. */
  indicators: readonly string[];
}

/** The value of a field as the payload guard accepts it. */
export type FieldValue<T extends FieldType> = T extends { kind: 'string' | 'date' }
  ? string
  : T extends { kind: 'integer' }
    ? number
    : T extends { kind: 'boolean' }
      ? boolean
      : T extends { kind: 'enum'; values: readonly (infer V)[] }
        ? V
        : T extends { kind: 'enumList'; values: readonly (infer V)[] }
          ? V[]
          : T extends { kind: 'operator' }
            ? Operator
            : never;

type Flatten<T> = { [K in keyof T]: T[K] } & {};

/** The payload of a field list: required fields present, optional ones absent or null (the guard accepts both). */
export type PayloadOf<Fields extends readonly FieldSpec[]> = Flatten<
  { [F in Fields[number] as F['required'] extends true ? F['name'] : never]: FieldValue<F['type']> } & {
    [F in Fields[number] as F['required'] extends true ? never : F['name']]?: FieldValue<F['type']> | null;
  }
>;

/**
 * The events of a catalogue as a union discriminated by `type`, each with its fields typed from its
 * specs. Sound for actions: every transition's guard starts with the payload guard, which validates
 * the event against the same catalogue entry, so an action never sees an event that is not one of these.
 */
export type EventsOf<Spec extends EventSpec> = Spec extends EventSpec
  ? Flatten<EventBase & { type: Spec['type'] } & PayloadOf<Spec['fields']>>
  : never;

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

export const operatorOf = (event: CaseEvent): Operator | null => {
  const op = event.operator as unknown;
  if (typeof op !== 'object' || op === null) return null;
  const { id, kind } = op as Record<string, unknown>;
  return typeof id === 'string' && (kind === 'cpi' || kind === 'accredited') ? { id, kind } : null;
};

export const msOf = (value: unknown): number => parseDate(value);

/** Whether a value is a calendar day without a time (YYYY-MM-DD). */
export const isCalendarDate = (value: unknown): value is string => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);

/** One formatter per zone (making one is far dearer than formatting); en-CA writes YYYY-MM-DD. */
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day (YYYY-MM-DD) of an instant in a time zone: a pure function of its arguments. */
export function calendarDateIn(timeZone: string, ms: number): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, format);
  }
  return format.format(ms);
}

/** The session an event records; an event without a mode (A.1 information) is an individual act of unknown length. */
export const sessionOf = (event: EventBase & { mode?: DeliveryMode; minutes?: number }): Session => ({
  at: event.at,
  mode: event.mode ?? 'individual',
  minutes: event.minutes ?? null,
  operatorId: event.operator.id,
});
