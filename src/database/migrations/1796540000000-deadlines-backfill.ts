import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Step 7, the deadlines of the cases opened before it: every person case with a DID gets its
 * case_deadlines rows and its next due day, read from its snapshot the way the machine reads them
 * (machines/person/person.deadlines.ts, frozen here as the law stood when written): due the DID
 * date plus 3 months (the guidance interview) and plus 4 (priority group) or 6 months (the
 * proposal of measures), the month's last day when shorter (PostgreSQL's date + interval clamps
 * like addMonths); met at the earliest A.3 session / when the PAI was signed; otherwise pending on
 * an active case and waived on a closed one. Later events rewrite them in their own statements.
 *
 * Down leaves the rows: they are data the schema of 1796510000000 holds either way.
 */
/** A stored date or instant as timestamptz: a date without a time is midnight UTC, as Date.parse reads it. */
const instant = (text: string) => `(CASE WHEN length(${text}) = 10 THEN ${text} || 'T00:00:00Z' ELSE ${text} END)::timestamptz`;

export class DeadlinesBackfill1796540000000 implements MigrationInterface {
  name = 'DeadlinesBackfill1796540000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      WITH did AS (
        SELECT c.id, c.status, left(c.snapshot #>> '{context,did,date}', 10)::date AS day,
               c.snapshot #>> '{context,did,group}' AS grp, c.snapshot -> 'context' AS ctx
        FROM cases c
        WHERE c.pathway = 'person' AND jsonb_typeof(c.snapshot #> '{context,did}') = 'object'
      ), due AS (
        SELECT did.id, did.status, 'guidance_interview' AS deadline_id, (did.day + interval '3 months')::date AS due_by,
               (SELECT min(${instant(`s ->> 'at'`)}) FROM jsonb_array_elements(coalesce(did.ctx #> '{services,A3,sessions}', '[]')) s) AS met_at
        FROM did
        UNION ALL
        SELECT did.id, did.status, 'measure_proposal',
               (did.day + CASE WHEN did.grp = 'priority' THEN interval '4 months' ELSE interval '6 months' END)::date,
               ${instant(`did.ctx #>> '{pai,signedAt}'`)}
        FROM did
      ), written AS (
        INSERT INTO case_deadlines (case_id, deadline_id, due_by, state, met_at)
        SELECT id, deadline_id, due_by, CASE WHEN met_at IS NOT NULL THEN 'met' WHEN status = 'active' THEN 'pending' ELSE 'waived' END, met_at
        FROM due
        ON CONFLICT (case_id, deadline_id) DO NOTHING
        RETURNING case_id
      )
      UPDATE cases c SET next_due_by = n.next_due_by
      FROM (SELECT id, min(due_by) FILTER (WHERE met_at IS NULL AND status = 'active') AS next_due_by FROM due GROUP BY id) n
      WHERE c.id = n.id AND c.next_due_by IS NULL`);
  }

  public async down(): Promise<void> {
    // The rows stay (see above): 1796510000000's down drops the table.
  }
}
