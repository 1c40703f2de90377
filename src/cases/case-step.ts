import { deadlineWriteOf } from './case-deadlines.js';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { PATHWAYS, applyEvent, type PathwayName, type Refusal, type RefusalKind, type StepResult } from '../../machines/index.js';
import { canonicalJson, sha256 } from '../common/canonical-json.js';
import { ProblemException, type FieldError } from '../common/problem.js';
import type { Actor } from '../common/request-context.js';
import type { Language } from '../config/app-config.js';
import type { CaseRepository, CaseRow, CaseUpdate, IdempotencyWrite, StoredResponse } from './case.repository.js';
import { columnsOf, etagOf, fieldIn, reasonIn, type HistoryEntry } from './case-view.js';

/**
 * One event on one loaded case, shared by every path that records events (POST /cases/:id/events
 * and the matching acts, which record two): the machine decides, then one appendEvent writes.
 */

/** The answer to a write: what the controller sends, and whether it is a stored one replayed. */
export interface WriteResult {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  replayed: boolean;
}

export interface Idempotency {
  key: string;
  /** The request as hashed: method, route and canonical body. */
  requestHash: string;
}

export const requestHash = (method: string, route: string, body: unknown): string => sha256(`${method} ${route}\n${canonicalJson(body)}`);

/** Who acted, as the history keeps it. */
export const actorRecord = (actor: Actor) => ({ id: actor.id, username: actor.username, kind: actor.kind, via: actor.via });

/** An event the machine accepted on a case: the step, the history entry and the case row after it. */
export interface Decided {
  ok: true;
  row: CaseRow;
  step: Extract<StepResult, { ok: true }>;
  update: CaseUpdate;
  next: CaseRow;
  entry: HistoryEntry;
  /** The service the event belongs to (webhook filters), if any. */
  service: string | null;
}

export type Decision = Decided | { ok: false; row: CaseRow; refusal: Refusal };

/**
 * Decides an event on a loaded case (locked, or read for an optimistic write): the machine's
 * verdict for the acting operator (its id and its agency's kind), and what the write needs. A case
 * on a machine version the service no longer runs is 409 CASE_MACHINE_OUTDATED.
 */
export function decideEvent(args: {
  row: CaseRow;
  event: Record<string, unknown>;
  actor: Actor;
  now: Date;
  idempotencyKey: string | null;
}): Decision {
  const { row, now } = args;
  const pathway = PATHWAYS[row.pathway as PathwayName];
  if (row.machineVersion !== pathway.version) throw machineOutdated(row, pathway.version);
  const event = { ...args.event, operator: { id: args.actor.id, kind: args.actor.kind } };
  const step = applyEvent({ pathway: pathway.name, snapshot: row.snapshot, event, now });
  if (!step.ok) return { ok: false, row, refusal: step.refusal };
  const update = columnsOf(step);
  const next: CaseRow = { ...row, ...update, version: row.version + 1, updatedAt: now };
  const entry: HistoryEntry = {
    id: randomUUID(),
    sequence: next.version,
    type: step.event.type,
    payload: step.event,
    stateBefore: row.snapshot.value,
    stateAfter: step.value,
    actor: actorRecord(args.actor),
    occurredAt: new Date(Date.parse(step.event.at)).toISOString(),
    recordedAt: now.toISOString(),
    idempotencyKey: args.idempotencyKey,
  };
  return { ok: true, row, step, update, next, entry, service: pathway.events[step.event.type]?.service ?? null };
}

/**
 * Writes a decided event with repository.appendEvent (the event, the case row, the webhook outbox
 * the case's deadlines and, if given, the stored idempotent response, in one statement). Null when the case moved since
 * it was read (only on an optimistic write: a locked row cannot move).
 */
export function appendDecided(
  repository: CaseRepository,
  db: EntityManager,
  args: { decided: Decided; now: Date; idempotency: IdempotencyWrite | null },
): Promise<{ deliveries: number } | null> {
  const { decided } = args;
  return repository.appendEvent(db, {
    caseId: decided.row.id,
    pathway: decided.row.pathway,
    practice: decided.row.practice,
    service: decided.service,
    expectedVersion: decided.row.version,
    update: decided.update,
    event: { ...decided.entry, occurredAt: new Date(decided.entry.occurredAt) },
    now: args.now,
    idempotency: args.idempotency,
    deadlines: deadlineWriteOf(decided.step.deadlines),
  });
}

export function remember(scope: string, idempotency: Idempotency | null, result: WriteResult): IdempotencyWrite | null {
  if (!idempotency) return null;
  return {
    scope,
    key: idempotency.key,
    requestHash: idempotency.requestHash,
    statusCode: result.status,
    response: { headers: result.headers, body: result.body },
  };
}

export function replay(stored: StoredResponse, idempotency: Idempotency): WriteResult {
  if (stored.requestHash !== idempotency.requestHash) {
    throw new ProblemException('IDEMPOTENCY_KEY_REUSED', {
      it: `La chiave di idempotenza '${idempotency.key}' è già stata usata con una richiesta diversa.`,
      en: `The idempotency key '${idempotency.key}' was already used with a different request.`,
    });
  }
  return { status: stored.statusCode, headers: stored.response.headers, body: stored.response.body, replayed: true };
}

export const caseNotFound = (id: string) =>
  new ProblemException('CASE_NOT_FOUND', { it: `Nessun caso con id ${id}.`, en: `No case with id ${id}.` });

export const versionConflict = (current: number) =>
  new ProblemException(
    'VERSION_CONFLICT',
    {
      it: `Il caso è alla versione ${current}: rileggerlo e ripetere l'operazione se ha ancora senso.`,
      en: `The case is at version ${current}: read it again and repeat the step if it still makes sense.`,
    },
    { currentVersion: current },
    { ETag: etagOf(current) },
  );

export const machineOutdated = (row: CaseRow, served: string) =>
  new ProblemException(
    'CASE_MACHINE_OUTDATED',
    {
      it: `Il caso segue la versione ${row.machineVersion} del percorso ${row.pathway}; il servizio esegue la ${served}.`,
      en: `The case runs on version ${row.machineVersion} of the ${row.pathway} pathway; the service runs ${served}.`,
    },
    { caseMachineVersion: row.machineVersion, servedMachineVersion: served },
  );

/** Whether a refusal is the sender's to fix (a 400: the opening data, the event's fields, an unknown event). */
export const isBadRequest = (refusal: Refusal): boolean =>
  refusal.kind === 'invalid_input' || refusal.kind === 'invalid_payload' || refusal.kind === 'unknown_event';

/** A machine reason list in one language. */
export const reasonsIn = (refusal: Refusal | null, language: Language) => (refusal?.reasons ?? []).map((r) => reasonIn(r, language));

/**
 * A refusal as HTTP: what the sender got wrong (the opening data, the event's fields, an unknown
 * event) is a 400 VALIDATION_FAILED listing the fields; what the case does not allow now is a 409
 * TRANSITION_NOT_ALLOWED, with the machine's reasons in the request's language. `kind` is the
 * body's: the explanation's vocabulary, where invalid data are a failed guard (the payload guard,
 * or the opening's check).
 */
export function refusalProblem(refusal: Refusal): ProblemException {
  const reasons = (language: Language) => reasonsIn(refusal, language);
  switch (refusal.kind) {
    case 'invalid_input':
    case 'invalid_payload':
    case 'unknown_event': {
      // The opening data are the body's `input`.
      const prefix = refusal.kind === 'invalid_input' ? 'input.' : '';
      // The public kind of a bad payload or input stays 'guards_failed', as clients have always seen it.
      const kind: RefusalKind = refusal.kind === 'unknown_event' ? 'unknown_event' : 'guards_failed';
      const errors = (language: Language): FieldError[] =>
        refusal.fields.map((f) => fieldIn({ ...f, field: `${prefix}${f.field}` }, language));
      return new ProblemException('VALIDATION_FAILED', refusal.cause.message, (language) => ({
        errors: errors(language),
        kind,
        reasons: reasons(language),
      }));
    }
    case 'not_available':
    case 'case_closed':
    case 'guards_failed':
      return new ProblemException('TRANSITION_NOT_ALLOWED', messageOf([refusal]), (language) => ({
        kind: refusal.kind,
        reasons: reasons(language),
      }));
  }
}

/** The refusals' reasons joined, in each language: a problem's `detail`. */
export const messageOf = (refusals: Refusal[]): Record<Language, string> => ({
  it: refusals.flatMap((r) => r.reasons.map((x) => x.message.it)).join(' '),
  en: refusals.flatMap((r) => r.reasons.map((x) => x.message.en)).join(' '),
});
