import { validationFailed, type FieldIssue } from '../common/problem.js';
import { pageLimit, queryReader, UUID } from '../common/request-parsing.js';
import { optionalUuid } from '../cases/case-requests.js';
import type { WorklistCursor } from './worklist.repository.js';

/** GET /worklist's query, parsed. */
export interface WorklistQuery {
  /** mine (default): the cases assigned to the actor; office: every case of the offices in reach (or of `officeId`). */
  scope: 'mine' | 'office';
  officeId?: string;
  /** Only the cases whose next deadline's day has passed (Europe/Rome). */
  overdue: boolean;
  /** Only the cases whose next deadline is due strictly before this day. */
  dueBefore?: string;
  /** Only the cases in which this service (A1..A6, B1..B4) is in progress. */
  service?: string;
  after?: WorklistCursor;
  limit: number;
}

const QUERY_KEYS = ['scope', 'officeId', 'overdue', 'dueBefore', 'service', 'cursor', 'limit'];
const SERVICE = /^(A[1-6]|B[1-4])$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A cursor's due day when the last case had no pending deadline. */
const NO_DEADLINE = 'none';

/** A calendar day YYYY-MM-DD that exists (not 2026-02-30), years 0001-9999. */
function isDay(text: string): boolean {
  const match = DAY.exec(text);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return year >= 1 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The worklist's cursor: the last row's next due day (or none) and id, opaque to clients. */
export const encodeWorklistCursor = (cursor: WorklistCursor): string =>
  Buffer.from(`${cursor.dueBy ?? NO_DEADLINE}|${cursor.id}`).toString('base64url');

/** The cursor a client sent back, or null when it is not one encodeWorklistCursor wrote. */
export function decodeWorklistCursor(text: string): WorklistCursor | null {
  if (!/^[\w-]{1,200}$/.test(text)) return null;
  const [dueBy, id, ...rest] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  if (rest.length > 0 || !id || !UUID.test(id) || (dueBy !== NO_DEADLINE && !isDay(dueBy))) return null;
  return { dueBy: dueBy === NO_DEADLINE ? null : dueBy, id: id.toLowerCase() };
}

export function parseWorklistQuery(query: Record<string, unknown>): WorklistQuery {
  const errors: FieldIssue[] = [];
  const one = queryReader(query, QUERY_KEYS, errors);
  const scope = one('scope') ?? 'mine';
  if (scope !== 'mine' && scope !== 'office')
    errors.push({ field: 'query:scope', problem: 'enum', message: { it: 'mine oppure office', en: 'mine or office' } });
  const officeId = optionalUuid(errors, 'query:officeId', one('officeId'));
  const overdue = one('overdue') ?? 'false';
  if (overdue !== 'true' && overdue !== 'false')
    errors.push({ field: 'query:overdue', problem: 'enum', message: { it: 'true oppure false', en: 'true or false' } });
  const dueBefore = one('dueBefore');
  if (dueBefore !== undefined && !isDay(dueBefore))
    errors.push({ field: 'query:dueBefore', problem: 'format', message: { it: 'un giorno AAAA-MM-GG', en: 'a day YYYY-MM-DD' } });
  const service = one('service');
  if (service !== undefined && !SERVICE.test(service))
    errors.push({ field: 'query:service', problem: 'format', message: { it: 'un servizio, come A3', en: 'a service key such as A3' } });
  const limit = pageLimit(one('limit'), errors);
  const cursor = one('cursor');
  const after = cursor === undefined ? undefined : decodeWorklistCursor(cursor);
  if (after === null) errors.push({ field: 'query:cursor', problem: 'format' });
  if (errors.length > 0) throw validationFailed(errors);
  return {
    scope: scope as WorklistQuery['scope'],
    officeId,
    overdue: overdue === 'true',
    dueBefore,
    service,
    after: after ?? undefined,
    limit,
  };
}
