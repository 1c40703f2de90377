import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { outboxCtes } from '../webhooks/webhook-sql.js';

/** A case the scheduler holds (its row locked) with the deadlines of it that are due a notice. */
export interface ClaimedCase {
  id: string;
  version: number;
  deadlines: { deadlineId: string; dueBy: string }[];
}

/** One system event the scheduler records. */
export interface SystemEvent {
  id: string;
  caseId: string;
  sequence: number;
  type: 'DEADLINE_APPROACHING' | 'DEADLINE_OVERDUE';
  payload: Record<string, unknown>;
  deadlineId: string;
}

/**
 * The condition on a case_deadlines row `d` that it is due a notice on day $today: overdue not yet
 * recorded and its day passed, or approaching not yet recorded and within the lead ($lead days).
 */
const dueSql = (d: string, today: string, lead: string) => `${d}.state = 'pending' AND ${d}.overdue_at IS NULL
  AND (${d}.due_by < ${today}::date OR (${d}.approaching_at IS NULL AND ${d}.due_by <= ${today}::date + ${lead}::int))`;

/** The scheduler's SQL: claims cases whose deadlines are due a notice, and records the notices. */
@Injectable()
export class DeadlineRepository {
  /**
   * Locks up to `limit` active cases with a deadline due a notice on `today` (FOR UPDATE SKIP LOCKED:
   * a case another scheduler, or a writer under lock, holds is left to it), and reads those
   * deadlines. Run in a transaction: the locks last until it ends. The case row is locked before its
   * deadlines, in the order an event's statement takes them, so the two cannot deadlock.
   */
  async claim(db: EntityManager, args: { today: string; leadDays: number; limit: number }): Promise<ClaimedCase[]> {
    const cases: { id: string; version: number }[] = await db.query(
      `SELECT c.id, c.version FROM cases c
        WHERE c.status = 'active' AND c.id IN (SELECT d.case_id FROM case_deadlines d WHERE ${dueSql('d', '$1', '$2')})
        LIMIT $3 FOR UPDATE OF c SKIP LOCKED`,
      [args.today, args.leadDays, args.limit],
    );
    if (cases.length === 0) return [];
    const deadlines: { caseId: string; deadlineId: string; dueBy: string }[] = await db.query(
      `SELECT d.case_id AS "caseId", d.deadline_id AS "deadlineId", to_char(d.due_by, 'YYYY-MM-DD') AS "dueBy"
         FROM case_deadlines d WHERE d.case_id = ANY($3::uuid[]) AND ${dueSql('d', '$1', '$2')}
        ORDER BY d.case_id, d.due_by, d.deadline_id`,
      [args.today, args.leadDays, cases.map((c) => c.id)],
    );
    return cases.map((c) => ({
      ...c,
      deadlines: deadlines.filter((d) => d.caseId === c.id).map(({ caseId: _, ...d }) => d),
    }));
  }

  /**
   * Records the scheduler's events in one statement: each case's version moved to its last event's
   * sequence (a user's event in flight then loses its optimistic check and retries), the events
   * (the machine's state and services unchanged), the deadlines marked, and the webhook outbox
   * (none for practice cases). Returns how many deliveries were queued.
   */
  async record(db: EntityManager, args: { events: SystemEvent[]; actor: Record<string, unknown>; now: Date }): Promise<number> {
    const rows: { deliveries: number }[] = await db.query(
      `WITH ev AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb)
           AS x(id uuid, "caseId" uuid, sequence int, type varchar, payload jsonb, "deadlineId" varchar)
       ), bumped AS (
         UPDATE cases c SET version = m.version, updated_at = $2
         FROM (SELECT "caseId", max(sequence) AS version FROM ev GROUP BY "caseId") m
         WHERE c.id = m."caseId"
         RETURNING c.id, c.pathway, c.practice, c.snapshot -> 'value' AS state, c.services
       ), appended AS (
         INSERT INTO case_events (id, case_id, sequence, type, payload, state_before, state_after, services_after, actor, occurred_at, recorded_at, idempotency_key)
         SELECT ev.id, ev."caseId", ev.sequence, ev.type, ev.payload, b.state, b.state, b.services, $3, $2, $2, NULL
         FROM ev JOIN bumped b ON b.id = ev."caseId"
         RETURNING *
       ), marked AS (
         UPDATE case_deadlines d SET approaching_at = coalesce(d.approaching_at, $2),
           overdue_at = CASE WHEN ev.type = 'DEADLINE_OVERDUE' THEN $2 ELSE d.overdue_at END
         FROM ev WHERE d.case_id = ev."caseId" AND d.deadline_id = ev."deadlineId"
         RETURNING 1
       ), ${outboxCtes({
         pathway: '(SELECT b.pathway FROM bumped b WHERE b.id = e.case_id)',
         service: 'NULL',
         now: '$2',
         practice: '(SELECT b.practice FROM bumped b WHERE b.id = e.case_id)',
       })}
       SELECT (SELECT count(*) FROM outbox)::int AS deliveries, (SELECT count(*) FROM marked)::int AS marked`,
      [JSON.stringify(args.events), args.now, args.actor],
    );
    return rows[0].deliveries;
  }
}
