import { isFreeText, OPENING_EVENT, PATHWAYS, type FieldSpec, type PathwayName, type PersistedSnapshot } from '../../machines/index.js';
import { ProblemException } from '../common/problem.js';
import { reachOf, type CaseAccess } from '../common/request-context.js';
import type { CaseRow, EventRow } from './case.repository.js';
import { caseNotFound } from './case-step.js';

/**
 * What an observer is shown of a real case (the policy's `observe` scope: trainers on the real cases
 * of their offices): the case as anyone in reach sees it, with its personal data masked. Every
 * representation of a case (the case, list items, history, streams, inspection, replay) is built
 * from the rows this module hands out, so a route masks by asking here how it may read a case.
 *
 * Masked, as MASK: the subject; every event field of free text (kind 'string' in the catalogue,
 * identifiers aside), and any other text of an event the catalogue does not describe (privacy by
 * default); the machine context's copies of such text (Pathway.textInContext); the client's
 * Idempotency-Keys (clients may build them from the subject). Kept: states, services, enums, numbers,
 * dates, booleans and ids, which a trainer needs to teach the standards.
 */
export const MASK = '***';

/** How a request reads a case: in full, or masked for an observer. */
export interface Disclosure {
  readonly masked: boolean;
  row(row: CaseRow): CaseRow;
  event(event: EventRow): EventRow;
  snapshot(snapshot: PersistedSnapshot): PersistedSnapshot;
}

const IN_FULL: Disclosure = { masked: false, row: (row) => row, event: (event) => event, snapshot: (snapshot) => snapshot };

/** What the service adds to every stored event: no personal data. */
const ENVELOPE = ['type', 'at', 'receivedAt', 'operator'];

/** The fields of the events outside the catalogue (opening, record keeping) that stay; their other text is masked. */
const KEPT_FIELDS: Record<string, readonly string[]> = {
  [OPENING_EVENT]: ['officeId', 'practice'],
  CASE_ASSIGNED: ['assigneeId', 'previousAssigneeId'],
  CASE_TRANSFERRED: ['fromOfficeId', 'toOfficeId', 'previousAssigneeId'],
  DEADLINE_APPROACHING: ['deadlineId', 'dueBy', 'daysLeft'],
  DEADLINE_OVERDUE: ['deadlineId', 'dueBy', 'daysLeft'],
};

/** Every string in a value masked, through lists and objects; numbers, booleans and null stay. */
function maskAll(value: unknown): unknown {
  if (typeof value === 'string') return MASK;
  if (Array.isArray(value)) return value.map(maskAll);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskAll(v)]));
  return value;
}

/** A record of fields with its free text masked: what the catalogue says is not free text stays, and the `kept` fields. */
function maskFields(record: Record<string, unknown>, fields: readonly FieldSpec[], kept: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => {
      const spec = fields.find((f) => f.name === key);
      const stays = kept.includes(key) || (spec !== undefined && !isFreeText(spec.type));
      return [key, stays ? value : maskAll(value)];
    }),
  );
}

/** Opening data masked as a record of the pathway's input fields (anything else: all its text). */
const maskInput = (input: unknown, fields: readonly FieldSpec[]): Record<string, unknown> =>
  (input !== null && typeof input === 'object' && !Array.isArray(input)
    ? maskFields(input as Record<string, unknown>, fields, [])
    : maskAll(input)) as Record<string, unknown>;

/** The value at a path (keys, `*` for every item of a list) masked; absent or null values stay as they are. */
function maskPath(value: unknown, keys: readonly string[]): unknown {
  if (keys.length === 0) return maskAll(value);
  if (value === null || typeof value !== 'object') return value;
  const [key, ...rest] = keys;
  if (key === '*') return Array.isArray(value) ? value.map((item) => maskPath(item, rest)) : value;
  if (Array.isArray(value) || !Object.hasOwn(value, key)) return value;
  return { ...value, [key]: maskPath((value as Record<string, unknown>)[key], rest) };
}

/** The disclosure of an observer, for a case of a pathway. */
function observed(pathwayName: string): Disclosure {
  const pathway = PATHWAYS[pathwayName as PathwayName];
  const context = (value: unknown) => pathway.textInContext.reduce((c, path) => maskPath(c, path.split('.')), value);
  const snapshot = (s: PersistedSnapshot): PersistedSnapshot => ({ ...s, context: context(s.context) });
  const payload = (event: EventRow): Record<string, unknown> => {
    const kept = [...ENVELOPE, ...(Object.hasOwn(KEPT_FIELDS, event.type) ? KEPT_FIELDS[event.type] : [])];
    const fields = Object.hasOwn(pathway.events, event.type) ? pathway.events[event.type].fields : [];
    const masked = maskFields(event.payload, fields, kept);
    if (event.type === OPENING_EVENT && event.payload.input !== undefined)
      masked.input = maskInput(event.payload.input, pathway.inputFields);
    return masked;
  };
  return {
    masked: true,
    row: (row) => ({
      ...row,
      subject: MASK,
      input: maskInput(row.input, pathway.inputFields),
      snapshot: snapshot(row.snapshot),
      masked: true,
    }),
    event: (event) => ({ ...event, payload: payload(event), idempotencyKey: event.idempotencyKey === null ? null : MASK }),
    snapshot,
  };
}

/** How the request may read a case it reaches: in full, or masked as an observer; null when out of reach. */
export function disclosureOf(access: CaseAccess, row: CaseRow): Disclosure | null {
  const reach = reachOf(access, row);
  if (reach === null) return null;
  return reach === 'full' ? IN_FULL : observed(row.pathway);
}

/** The case and how the request may read it; 404 CASE_NOT_FOUND when it does not reach it (its existence is not disclosed). */
export function readableOrFail(access: CaseAccess, row: CaseRow | null, id: string): { row: CaseRow; shown: Disclosure } {
  const shown = row ? disclosureOf(access, row) : null;
  if (!row || !shown) throw caseNotFound(id);
  return { row, shown };
}

/**
 * That the request may write to the case: in full reach. A case it only observes is 403 FORBIDDEN
 * (the observer knows it exists); one out of reach is `notFound` (default 404 CASE_NOT_FOUND).
 */
export function assertWritable(
  access: CaseAccess,
  row: CaseRow | null,
  id: string,
  notFound: (id: string) => ProblemException = caseNotFound,
): asserts row is CaseRow {
  const reach = row ? reachOf(access, row) : null;
  if (reach === 'full') return;
  if (reach === 'observer')
    throw new ProblemException('FORBIDDEN', {
      it: `Il caso ${id} è un caso reale che si può solo osservare: i formatori osservano i casi reali in sola lettura e operano sui casi di esercitazione.`,
      en: `Case ${id} is a real case that can only be observed: trainers observe real cases read-only and act on practice cases.`,
    });
  throw notFound(id);
}
