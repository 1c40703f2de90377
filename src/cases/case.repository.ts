import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { STANDARDS_TIME_ZONE } from '../../machines/index.js';
import type { Cursor } from '../common/request-parsing.js';
import { factsOf } from '../../machines/indicator-facts.js';
import { outboxCtes } from '../webhooks/webhook-sql.js';
import type { DeadlineWrite } from './case-deadlines.js';

/** A case row as the repository reads it. */
export interface CaseRow {
  id: string;
  pathway: string;
  machineVersion: string;
  subject: string;
  /** The office the case belongs to (null: a practice case opened by someone in no office). */
  officeId: string | null;
  /** The operator the case is assigned to, if any. */
  assigneeId: string | null;
  input: Record<string, unknown>;
  snapshot: Record<string, unknown>;
  status: string;
  statePaths: string[];
  services: Record<string, string>;
  version: number;
  practice: boolean;
  createdAt: Date;
  updatedAt: Date;
  /** Set on a copy whose personal data are masked for an observer (case-disclosure.ts); never stored. */
  masked?: true;
}

export interface EventRow {
  id: string;
  caseId: string;
  sequence: number;
  type: string;
  payload: Record<string, unknown>;
  stateBefore: unknown;
  stateAfter: unknown;
  actor: Record<string, unknown>;
  occurredAt: Date;
  recordedAt: Date;
  idempotencyKey: string | null;
}

/** A stored response to a request made with an Idempotency-Key. */
export interface StoredResponse {
  requestHash: string;
  statusCode: number;
  response: { headers: Record<string, string>; body: unknown };
}

export interface IdempotencyWrite {
  scope: string;
  key: string;
  requestHash: string;
  statusCode: number;
  response: StoredResponse['response'];
}

/** What the case row becomes after an event: the snapshot and the columns derived from it. */
export interface CaseUpdate {
  snapshot: Record<string, unknown>;
  status: string;
  statePaths: string[];
  services: Record<string, string>;
}

export interface NewEvent {
  id: string;
  type: string;
  payload: Record<string, unknown>;
  stateBefore: unknown;
  stateAfter: unknown;
  actor: Record<string, unknown>;
  occurredAt: Date;
  idempotencyKey: string | null;
}

export interface CaseFilter {
  pathway?: string;
  status?: string;
  state?: string;
  service?: string;
  serviceStatus?: string;
  officeId?: string;
  /** Only the cases assigned to this operator (scope=mine). */
  assigneeId?: string;
  subject?: string;
  /**
   * The cases in reach: real cases of these offices, practice cases if `practice`, and the real
   * cases of `observedOfficeIds` (CaseAccess).
   */
  reach: { officeIds: string[]; practice: boolean; observedOfficeIds?: string[] };
  /** true: practice cases only; false: real cases only; undefined: both. */
  practice?: boolean;
  after?: Cursor;
  limit: number;
}

const CASE_COLUMNS = `id, pathway, machine_version AS "machineVersion", subject, office_id AS "officeId", assignee_id AS "assigneeId", input, snapshot, status,
  state_paths AS "statePaths", services, version, practice, created_at AS "createdAt", updated_at AS "updatedAt"`;

const EVENT_COLUMNS = `id, case_id AS "caseId", sequence, type, payload, state_before AS "stateBefore", state_after AS "stateAfter",
  actor, occurred_at AS "occurredAt", recorded_at AS "recordedAt", idempotency_key AS "idempotencyKey"`;

/**
 * The open cases `c` (practice aside) of a pathway for a subject in an office's agency (arguments:
 * parameter placeholders). The subject is compared whatever its letter case, as cases opened before
 * subjects were normalised may hold it (the lower(subject) index).
 */
const openCaseWhere = (p: { officeId: string; pathway: string; subject: string }) =>
  `lower(c.subject) = lower(${p.subject}::text) AND c.pathway = ${p.pathway}::text AND c.status = 'active' AND NOT c.practice
   AND c.office_id IN (SELECT o.id FROM offices o WHERE o.agency_id = (SELECT agency_id FROM offices WHERE id = ${p.officeId}::uuid))`;

const IDEMPOTENCY_INSERT = `INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response, created_at)`;

/**
 * A CTE writing a case's deadlines (all of them, from a jsonb parameter) in the event's statement,
 * after a CTE `source` that returns the case's `id` (nothing written if it returns no row). The
 * scheduler's marks (approaching_at, overdue_at) stay: an event never makes a deadline fire again.
 */
const deadlinesCte = (source: string, param: string) => `deadlines AS (
  INSERT INTO case_deadlines (case_id, deadline_id, due_by, state, met_at)
  SELECT c.id, d."deadlineId", d."dueBy", d.state, d."metAt"
  FROM ${source} c, jsonb_to_recordset(${param}::jsonb) AS d("deadlineId" varchar, "dueBy" date, state varchar, "metAt" timestamptz)
  ON CONFLICT (case_id, deadline_id) DO UPDATE SET due_by = EXCLUDED.due_by, state = EXCLUDED.state, met_at = EXCLUDED.met_at
    WHERE (case_deadlines.due_by, case_deadlines.state, case_deadlines.met_at) IS DISTINCT FROM (EXCLUDED.due_by, EXCLUDED.state, EXCLUDED.met_at)
  RETURNING 1
)`;

/**
 * CTEs after `source` (the updated case: id, version, office_id, subject) that write the act's
 * indicator facts (`facts`: a jsonb array of FactWrite; `at`: the act's instant, its day taken in
 * Europe/Rome) with the subject's number (indicator_subjects: read, or added with the subject's first
 * fact; ON CONFLICT DO UPDATE so that a number another transaction has just added is returned too),
 * and, when the event moves the case (`moved`: a transfer or an assignment), move its earlier facts
 * to the case's office, which they count for.
 */
const factsCtes = (source: string, p: { facts: string; at: string; moved: string }) => `facts_input AS (
  SELECT f.* FROM jsonb_to_recordset(${p.facts}::jsonb) AS f(indicator varchar, dated date, did date, vacancy varchar, "otherCase" varchar)
), facts_case AS (
  SELECT c.* FROM ${source} c WHERE c.office_id IS NOT NULL AND EXISTS (SELECT 1 FROM facts_input)
), facts_subject AS (
  SELECT s.id FROM indicator_subjects s JOIN facts_case c ON s.subject = c.subject
), facts_subject_added AS (
  INSERT INTO indicator_subjects (subject) SELECT c.subject FROM facts_case c WHERE NOT EXISTS (SELECT 1 FROM facts_subject)
  ON CONFLICT (subject) DO UPDATE SET subject = EXCLUDED.subject
  RETURNING id
), facts AS (
  INSERT INTO indicator_facts (case_id, sequence, indicator, office_id, subject_id, day, dated, did, vacancy, other_case)
  SELECT c.id, c.version, f.indicator, c.office_id, s.id, (${p.at}::timestamptz AT TIME ZONE '${STANDARDS_TIME_ZONE}')::date, f.dated, f.did, f.vacancy, f."otherCase"
  FROM facts_case c, facts_input f, (SELECT id FROM facts_subject UNION ALL SELECT id FROM facts_subject_added) s
  RETURNING 1
), facts_moved AS (
  UPDATE indicator_facts f SET office_id = c.office_id FROM ${source} c
  WHERE ${p.moved}::boolean AND f.case_id = c.id AND f.office_id <> c.office_id
  RETURNING 1
)`;

/** Postgres' unique_violation. */
export const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: unknown; constraint?: unknown; driverError?: { code?: unknown; constraint?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  const name = e?.driverError?.constraint ?? e?.constraint;
  return code === UNIQUE_VIOLATION && (constraint === undefined || name === constraint);
}

export { IDEMPOTENCY_PRIMARY_KEY } from './idempotency-key.entity.js';

/**
 * The cases' SQL. Every write is one statement (CTEs), so that it is atomic without an explicit
 * transaction and costs one round trip; callers that need a row lock pass a transaction's manager.
 */
@Injectable()
export class CaseRepository {
  /** The case and, when a key is given, the response stored under it: one round trip. */
  async loadForEvent(
    db: EntityManager,
    args: { caseId: string; idempotency: { scope: string; key: string } | null; lock: boolean },
  ): Promise<{ row: CaseRow; stored: StoredResponse | null } | null> {
    // The stored-response lookup only when the request has a key: it costs PostgreSQL a third of this read.
    const storedSql = args.idempotency
      ? `(SELECT json_build_object('requestHash', i.request_hash, 'statusCode', i.status_code, 'response', i.response)
           FROM idempotency_keys i WHERE i.scope = $2 AND i.key = $3)`
      : 'NULL';
    const rows: (CaseRow & { stored: StoredResponse | null })[] = await db.query(
      `SELECT ${CASE_COLUMNS}, ${storedSql} AS stored FROM cases WHERE id = $1 ${args.lock ? 'FOR UPDATE' : ''}`,
      args.idempotency ? [args.caseId, args.idempotency.scope, args.idempotency.key] : [args.caseId],
    );
    if (rows.length === 0) return null;
    const { stored, ...row } = rows[0];
    return { row: row, stored };
  }

  async findStored(db: EntityManager, scope: string, key: string): Promise<StoredResponse | null> {
    const rows: StoredResponse[] = await db.query(
      `SELECT request_hash AS "requestHash", status_code AS "statusCode", response FROM idempotency_keys WHERE scope = $1 AND key = $2`,
      [scope, key],
    );
    return rows[0] ?? null;
  }

  /**
   * Appends the event and updates the case if it is still at `expectedVersion`, in one statement.
   * With it, in the same statement, one webhook delivery per matching subscription (the outbox).
   * Returns null when another writer got there first (nothing written).
   */
  async appendEvent(
    db: EntityManager,
    args: {
      caseId: string;
      pathway: string;
      /** Practice cases queue no webhook. */
      practice: boolean;
      /** The service the event belongs to (webhook filters), if any. */
      service: string | null;
      expectedVersion: number;
      update: CaseUpdate;
      event: NewEvent;
      now: Date;
      /** The response to store under its key, if any (a matching act stores it with the last of its two events). */
      idempotency: IdempotencyWrite | null;
      /** A transfer or an assignment: the case's office and assignee after it. */
      placement?: { officeId: string | null; assigneeId: string | null };
      /** The case's deadlines after the event; null leaves them as they are (no deadlines, or record keeping). */
      deadlines: DeadlineWrite | null;
    },
  ): Promise<{ deliveries: number } | null> {
    const { update, event, idempotency, placement } = args;
    const rows: { sequence: number; deliveries: number }[] = await db.query(
      `WITH updated AS (
         UPDATE cases SET snapshot = $3, status = $4, state_paths = $5, services = $6, version = version + 1, updated_at = $7,
           office_id = CASE WHEN $23::boolean THEN $24::uuid ELSE office_id END,
           assignee_id = CASE WHEN $23::boolean THEN $25::uuid ELSE assignee_id END,
           next_due_by = CASE WHEN $26::jsonb IS NULL THEN next_due_by ELSE $27::date END
         WHERE id = $1 AND version = $2
         RETURNING id, version, office_id, subject
       ), ${deadlinesCte('updated', '$26')}, appended AS (
         INSERT INTO case_events (id, case_id, sequence, type, payload, state_before, state_after, services_after, actor, occurred_at, recorded_at, idempotency_key)
         SELECT $8, id, version, $9, $10, $11, $12, $6, $13, $14, $7, $15 FROM updated
         RETURNING *
       ), ${factsCtes('updated', { facts: '$28', at: '$14', moved: '$23' })}, remembered AS (
         ${IDEMPOTENCY_INSERT}
         SELECT $16, $15, $17, $18, $19, $7 FROM updated WHERE $16::varchar IS NOT NULL
       ), ${outboxCtes({ pathway: '$20', service: '$21', now: '$7', practice: '$22' })}
       SELECT sequence, (SELECT count(*) FROM outbox)::int AS deliveries FROM appended`,
      [
        args.caseId,
        args.expectedVersion,
        update.snapshot,
        update.status,
        update.statePaths,
        update.services,
        args.now,
        event.id,
        event.type,
        event.payload,
        json(event.stateBefore),
        json(event.stateAfter),
        event.actor,
        event.occurredAt,
        event.idempotencyKey,
        idempotency?.scope ?? null,
        idempotency?.requestHash ?? null,
        idempotency?.statusCode ?? null,
        idempotency?.response ?? null,
        args.pathway,
        args.service,
        args.practice,
        placement !== undefined,
        placement?.officeId ?? null,
        placement?.assigneeId ?? null,
        args.deadlines ? json(args.deadlines.deadlines) : null,
        args.deadlines?.nextDueBy ?? null,
        json(
          factsOf({ pathway: args.pathway, type: event.type, payload: event.payload, practice: args.practice, snapshot: update.snapshot }),
        ),
      ],
    );
    return rows.length === 1 ? { deliveries: rows[0].deliveries } : null;
  }

  /**
   * Takes, until the transaction ends, the lock on a subject's open cases of a pathway in an office's
   * agency: whoever opens or transfers in such a case holds it while they check and write.
   */
  async lockSubject(db: EntityManager, args: { officeId: string; pathway: string; subject: string }): Promise<void> {
    await db.query(
      `SELECT pg_advisory_xact_lock(hashtext('percorsi.subject:' || o.agency_id::text || ':' || $2 || ':' || upper($3))) FROM offices o WHERE o.id = $1`,
      [args.officeId, args.pathway, args.subject],
    );
  }

  /** A case of the pathway open for the subject in the office's agency (practice cases aside), but `exceptId`. */
  async findOpenCase(
    db: EntityManager,
    args: { officeId: string; pathway: string; subject: string; exceptId: string },
  ): Promise<{ id: string; officeId: string } | null> {
    const rows: { id: string; officeId: string }[] = await db.query(
      `SELECT c.id, c.office_id AS "officeId" FROM cases c WHERE ${openCaseWhere({ officeId: '$1', pathway: '$2', subject: '$3' })} AND c.id <> $4 ORDER BY c.created_at, c.id LIMIT 1`,
      [args.officeId, args.pathway, args.subject, args.exceptId],
    );
    return rows[0] ?? null;
  }

  /**
   * Inserts a new case with its opening event (sequence 1), in one statement. With `oneOpen`, not
   * if a case of the pathway is open for the subject in the office's agency: that case is returned
   * instead, and nothing is written (the caller holds lockSubject's lock).
   */
  async insertCase(
    db: EntityManager,
    args: { row: CaseRow; event: NewEvent; idempotency: IdempotencyWrite | null; oneOpen: boolean; deadlines: DeadlineWrite | null },
  ): Promise<{ deliveries: number; openCase: { id: string; officeId: string } | null }> {
    const { row, event, idempotency } = args;
    const rows: { deliveries: number; openCaseId: string | null; openOfficeId: string | null }[] = await db.query(
      `WITH open_case AS (
         SELECT c.id, c.office_id FROM cases c WHERE $25::boolean AND ${openCaseWhere({ officeId: '$5', pathway: '$2', subject: '$4' })}
         ORDER BY c.created_at, c.id LIMIT 1
       ), inserted AS (
         INSERT INTO cases (id, pathway, machine_version, subject, office_id, input, snapshot, status, state_paths, services, version, practice, created_at, updated_at, assignee_id, next_due_by)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $23, $11, $11, $24, $27 WHERE NOT EXISTS (SELECT 1 FROM open_case)
         RETURNING id
       ), ${deadlinesCte('inserted', '$26')}, appended AS (
         INSERT INTO case_events (id, case_id, sequence, type, payload, state_before, state_after, services_after, actor, occurred_at, recorded_at, idempotency_key)
         SELECT $12, id, 1, $13, $14, NULL, $15, $10, $16, $17, $11, $18 FROM inserted
         RETURNING *
       ), remembered AS (
         ${IDEMPOTENCY_INSERT}
         SELECT $19, $18, $20, $21, $22, $11 FROM inserted WHERE $18::varchar IS NOT NULL
       ), ${outboxCtes({ pathway: '$2', service: 'NULL', now: '$11', practice: '$23' })}
       SELECT (SELECT count(*) FROM outbox)::int AS deliveries, (SELECT id FROM open_case) AS "openCaseId", (SELECT office_id FROM open_case) AS "openOfficeId"`,
      [
        row.id,
        row.pathway,
        row.machineVersion,
        row.subject,
        row.officeId,
        row.input,
        row.snapshot,
        row.status,
        row.statePaths,
        row.services,
        row.createdAt,
        event.id,
        event.type,
        event.payload,
        json(event.stateAfter),
        event.actor,
        event.occurredAt,
        event.idempotencyKey,
        idempotency?.scope ?? null,
        idempotency?.requestHash ?? null,
        idempotency?.statusCode ?? null,
        idempotency?.response ?? null,
        row.practice,
        row.assigneeId,
        args.oneOpen,
        args.deadlines ? json(args.deadlines.deadlines) : null,
        args.deadlines?.nextDueBy ?? null,
      ],
    );
    const { deliveries, openCaseId, openOfficeId } = rows[0];
    return { deliveries, openCase: openCaseId && openOfficeId ? { id: openCaseId, officeId: openOfficeId } : null };
  }

  async findCase(db: EntityManager, id: string): Promise<CaseRow | null> {
    const rows: CaseRow[] = await db.query(`SELECT ${CASE_COLUMNS} FROM cases WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** Newest first; the cursor is the last row's (created_at, id). */
  async listCases(db: EntityManager, filter: CaseFilter): Promise<CaseRow[]> {
    const { sql, params } = listCasesQuery(filter);
    return db.query(sql, params);
  }

  async history(db: EntityManager, args: { caseId: string; afterSequence: number; limit: number }): Promise<EventRow[]> {
    return db.query(`SELECT ${EVENT_COLUMNS} FROM case_events WHERE case_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3`, [
      args.caseId,
      args.afterSequence,
      args.limit,
    ]);
  }

  /** The events with `after` < sequence <= `upTo`, in order (streams and replays). */
  async eventsBetween(db: EntityManager, args: { caseId: string; after: number; upTo: number }): Promise<EventRow[]> {
    return db.query(`SELECT ${EVENT_COLUMNS} FROM case_events WHERE case_id = $1 AND sequence > $2 AND sequence <= $3 ORDER BY sequence`, [
      args.caseId,
      args.after,
      args.upTo,
    ]);
  }
}

/**
 * GET /cases' query, newest first (the cursor is the last row's (created_at, id)): the SQL and its
 * parameters, for the repository and for the test that reads its plans (test/worklist/worklist-plans.e2e.spec.ts).
 */
export function listCasesQuery(filter: CaseFilter): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (filter.pathway) add((p) => `pathway = ${p}`, filter.pathway);
  if (filter.status) add((p) => `status = ${p}`, filter.status);
  // Only what the actor reaches: their offices' real cases, and practice cases if allowed.
  params.push(filter.reach.officeIds, filter.reach.practice);
  const reach = [`office_id = ANY($${params.length - 1}::uuid[])`, `(practice AND $${params.length}::boolean)`];
  if (filter.reach.observedOfficeIds?.length) {
    params.push(filter.reach.observedOfficeIds);
    reach.push(`(NOT practice AND office_id = ANY($${params.length}::uuid[]))`);
  }
  where.push(`(${reach.join(' OR ')})`);
  if (filter.officeId) add((p) => `office_id = ${p}`, filter.officeId);
  if (filter.assigneeId) add((p) => `assignee_id = ${p}`, filter.assigneeId);
  // Whatever the letter case (expression index on lower(subject)).
  if (filter.subject) add((p) => `lower(subject) = lower(${p})`, filter.subject);
  if (filter.practice !== undefined) add((p) => `practice = ${p}`, filter.practice);
  if (filter.state) add((p) => `state_paths @> ARRAY[${p}]::text[]`, filter.state);
  if (filter.service && filter.serviceStatus) add((p) => `services @> ${p}::jsonb`, { [filter.service]: filter.serviceStatus });
  else if (filter.service) add((p) => `services ? ${p}`, filter.service);
  if (filter.after) {
    params.push(filter.after.createdAt, filter.after.id);
    where.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
  }
  params.push(filter.limit);
  const sql = `SELECT ${CASE_COLUMNS} FROM cases ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY created_at DESC, id DESC LIMIT $${params.length}`;
  return { sql, params };
}

/** jsonb parameters that are plain strings (a state value like "closed") must be sent as JSON text. */
const json = (value: unknown): string => JSON.stringify(value ?? null);
