import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock.js';
import { decodeCursor, encodeCursor, parseInstant, queryReader, UUID, type Cursor } from '../common/request-parsing.js';
import { validationFailed, type FieldIssue } from '../common/problem.js';
import { Database } from '../database/database.js';
import type { Principal } from '../identity/principal.js';
import type { CaseAccess } from '../common/request-context.js';

/** What one read of a case records: never the subject, a name or a payload. */
export interface AccessEntry {
  operatorId: string;
  via: Principal['via'];
  caseId: string;
  /** The route pattern, e.g. `GET /cases/:id/history`. */
  route: string;
  requestId: string | null;
}

export interface AccessQuery {
  caseId?: string;
  operatorId?: string;
  from?: Date;
  to?: Date;
  limit: number;
  after?: Cursor;
}

export interface AccessRecord {
  id: string;
  at: string;
  operator: { id: string; username: string };
  via: Principal['via'];
  caseId: string;
  route: string;
  requestId: string | null;
}

export const ACCESS_PAGE = { default: 50, max: 200 };

/**
 * The access log (issue 14, accountability): who read which real case, when, and how. Written by
 * @AuditCaseRead (src/access/audit-read.ts), read by the admins (GET /admin/access-log).
 */
@Injectable()
export class AccessLog {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** One row; a failure throws (the caller fails the request: accountability before availability). */
  async record(entry: AccessEntry): Promise<void> {
    await this.database.dataSource.query(
      `INSERT INTO access_log (id, at, operator_id, credential, case_id, route, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      // The clock's milliseconds, not now()'s microseconds: the cursor carries the instant exactly.
      [randomUUID(), this.clock.now(), entry.operatorId, entry.via, entry.caseId.toLowerCase(), entry.route, entry.requestId],
    );
  }

  /**
   * Records the read when the case is a real one (not a practice case: the sandbox holds no one's
   * data) that the request reaches (a case out of reach was not read: it answers 404), in one
   * statement. Whether a row was written; a failure throws.
   */
  async recordRead(entry: AccessEntry, access: CaseAccess | undefined): Promise<boolean> {
    // Read in full or, by an observer (a trainer), masked: either way a read of the case.
    const officeIds = access ? [...access.officeIds, ...access.observedOfficeIds] : [];
    if (officeIds.length === 0) return false;
    const rows = await this.database.dataSource.query<{ id: string }[]>(
      `INSERT INTO access_log (id, at, operator_id, credential, case_id, route, request_id)
       SELECT $1, $2, $3, $4, c.id, $6, $7 FROM cases c
        WHERE c.id = $5 AND NOT c.practice AND c.office_id = ANY($8::uuid[])
       RETURNING id`,
      [randomUUID(), this.clock.now(), entry.operatorId, entry.via, entry.caseId.toLowerCase(), entry.route, entry.requestId, officeIds],
    );
    return rows.length === 1;
  }

  /** Newest first, a page at a time; `nextCursor` continues after the last item. */
  async query(query: AccessQuery): Promise<{ items: AccessRecord[]; nextCursor: string | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (query.caseId) add((p) => `a.case_id = ${p}`, query.caseId);
    if (query.operatorId) add((p) => `a.operator_id = ${p}`, query.operatorId);
    if (query.from) add((p) => `a.at >= ${p}`, query.from);
    if (query.to) add((p) => `a.at < ${p}`, query.to);
    if (query.after) {
      params.push(query.after.createdAt, query.after.id);
      where.push(`(a.at, a.id) < ($${params.length - 1}, $${params.length})`);
    }
    params.push(query.limit + 1);
    const rows = await this.database.dataSource.query<
      (Omit<AccessRecord, 'at' | 'operator'> & { at: Date; username: string; operatorId: string })[]
    >(
      `SELECT a.id, a.at, a.operator_id AS "operatorId", o.username, a.credential AS via, a.case_id AS "caseId", a.route, a.request_id AS "requestId"
         FROM access_log a JOIN operators o ON o.id = a.operator_id
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY a.at DESC, a.id DESC LIMIT $${params.length}`,
      params,
    );
    const items = rows.slice(0, query.limit).map((r): AccessRecord => ({
      id: r.id,
      at: new Date(r.at).toISOString(),
      operator: { id: r.operatorId, username: r.username },
      via: r.via,
      caseId: r.caseId,
      route: r.route,
      requestId: r.requestId,
    }));
    const last = items.at(-1);
    return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last.at, last.id) : null };
  }
}

const QUERY_KEYS = ['caseId', 'operatorId', 'from', 'to', 'limit', 'cursor'];

/** GET /admin/access-log's query string: every problem by field (400), unknown parameters refused. */
export function parseAccessQuery(query: Record<string, unknown>): AccessQuery {
  const errors: FieldIssue[] = [];
  const one = queryReader(query, QUERY_KEYS, errors);
  const result: AccessQuery = { limit: ACCESS_PAGE.default };
  for (const key of ['caseId', 'operatorId'] as const) {
    const v = one(key);
    if (v === undefined) continue;
    if (UUID.test(v)) result[key] = v.toLowerCase();
    else errors.push({ field: `query:${key}`, problem: 'format', message: { it: 'un UUID', en: 'a UUID' } });
  }
  for (const key of ['from', 'to'] as const) {
    const v = one(key);
    if (v === undefined) continue;
    const instant = v.length <= 40 ? parseInstant(v) : null;
    if (instant) result[key] = instant;
    else
      errors.push({
        field: `query:${key}`,
        problem: 'format',
        message: { it: 'una data o data e ora ISO 8601 con il fuso', en: 'an ISO 8601 date, or date-time with its zone' },
      });
  }
  const limit = one('limit');
  if (limit !== undefined) {
    if (/^\d{1,4}$/.test(limit) && Number(limit) >= 1 && Number(limit) <= ACCESS_PAGE.max) result.limit = Number(limit);
    else
      errors.push({
        field: 'query:limit',
        problem: 'range',
        message: { it: `da 1 a ${ACCESS_PAGE.max}`, en: `1 to ${ACCESS_PAGE.max}` },
      });
  }
  const cursor = one('cursor');
  if (cursor !== undefined) {
    const after = decodeCursor(cursor);
    if (after) result.after = after;
    else errors.push({ field: 'query:cursor', problem: 'format' });
  }
  if (errors.length > 0) throw validationFailed(errors);
  return result;
}
