import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** Where a worklist page resumes: the last row's next due day (null: none) and id. */
export interface WorklistCursor {
  dueBy: string | null;
  id: string;
}

/** The worklist's filters, as the repository takes them (src/worklist/worklist.service.ts). */
export interface WorklistFilter {
  /** The offices whose cases are listed (scope=office), or within which the assignee's are (scope=mine). */
  officeIds: string[];
  /** scope=mine: only the cases assigned to this operator. */
  assigneeId?: string;
  /** Only the cases whose next deadline is due strictly before this day (YYYY-MM-DD): overdue=true, dueBefore. */
  dueBefore?: string;
  /** Only the cases in which this service is in progress (a key the request parser checked: A1..A6, B1..B4). */
  service?: string;
  after?: WorklistCursor;
  limit: number;
}

/** A worklist row: the case's columns, and its next pending deadline (null: none). */
export interface WorklistRow {
  id: string;
  pathway: string;
  subject: string;
  officeId: string | null;
  assigneeId: string | null;
  services: Record<string, string>;
  updatedAt: Date;
  /** YYYY-MM-DD, or null. */
  nextDueBy: string | null;
  deadlineId: string | null;
}

/**
 * The sort key, as the worklist indexes hold it (migration 1796550000000): the next due day, and the
 * cases without a pending deadline last. Written exactly as in the indexes, so that the planner uses them.
 */
const DUE_KEY = `coalesce(c.next_due_by, 'infinity'::date)`;
/** The indexes' predicate, as literals (a parameter would not let the planner use a partial index). */
const LISTED = `c.status = 'active' AND NOT c.practice`;
const COLUMNS = `c.id, c.pathway, c.subject, c.office_id, c.assignee_id, c.services, c.updated_at, c.next_due_by`;

/**
 * GET /worklist's query: the SQL and its parameters, for the repository and for the test that reads
 * its plans (test/worklist/worklist-plans.e2e.spec.ts). Overdue first (the earliest days), then by
 * next due day, cases without a pending deadline last; ties by id.
 *
 * scope=office reads each office's index in order and merges (a LATERAL per office: an index scan
 * each, whatever the number of offices); scope=mine reads the assignee's. The next deadline is the
 * pending row due on the case's next due day (the first by id when two fall on the same day).
 */
export function worklistQuery(filter: WorklistFilter): { sql: string; params: unknown[] } {
  const params: unknown[] = [filter.officeIds];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = [LISTED];
  if (filter.dueBefore !== undefined) where.push(`${DUE_KEY} < ${param(filter.dueBefore)}::date`);
  // Checked on the rows the worklist index yields, in its order: no index of its own (a page stops at its limit).
  if (filter.service !== undefined) where.push(`c.services ->> ${param(filter.service)}::text = 'active'`);
  if (filter.after) where.push(`(${DUE_KEY}, c.id) > (${param(filter.after.dueBy ?? 'infinity')}::date, ${param(filter.after.id)}::uuid)`);
  const limit = param(filter.limit);
  const page = filter.assigneeId
    ? `SELECT ${COLUMNS} FROM cases c
        WHERE c.assignee_id = ${param(filter.assigneeId)}::uuid AND c.office_id = ANY($1::uuid[]) AND ${where.join(' AND ')}
        ORDER BY ${DUE_KEY}, c.id LIMIT ${limit}`
    : `SELECT w.* FROM unnest($1::uuid[]) AS o(office_id)
       CROSS JOIN LATERAL (
         SELECT ${COLUMNS} FROM cases c WHERE c.office_id = o.office_id AND ${where.join(' AND ')}
         ORDER BY ${DUE_KEY}, c.id LIMIT ${limit}
       ) w
       ORDER BY coalesce(w.next_due_by, 'infinity'::date), w.id LIMIT ${limit}`;
  const sql = `WITH page AS (${page})
    SELECT p.id, p.pathway, p.subject, p.office_id AS "officeId", p.assignee_id AS "assigneeId", p.services,
           p.updated_at AS "updatedAt", p.next_due_by::text AS "nextDueBy", d.deadline_id AS "deadlineId"
      FROM page p
      LEFT JOIN LATERAL (
        SELECT d.deadline_id FROM case_deadlines d
         WHERE d.case_id = p.id AND d.state = 'pending' AND d.due_by = p.next_due_by
         ORDER BY d.deadline_id LIMIT 1
      ) d ON true
     ORDER BY coalesce(p.next_due_by, 'infinity'::date), p.id`;
  return { sql, params };
}

/** The worklist's SQL (one statement per page). */
@Injectable()
export class WorklistRepository {
  async page(db: EntityManager, filter: WorklistFilter): Promise<WorklistRow[]> {
    const { sql, params } = worklistQuery(filter);
    return db.query(sql, params);
  }
}
