import { parseDate } from '../../machines/payload.js';
import { validationFailed, type FieldIssue } from './problem.js';

/** Pieces of request parsing that every capability shares. */

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A JSON object body (400 otherwise), whose keys other than `fields` are added to `issues` as unknown. */
export function objectBody(body: unknown, fields: readonly string[], issues: FieldIssue[]): Record<string, unknown> {
  if (!isPlainObject(body))
    throw validationFailed([{ field: 'body', problem: 'type', message: { it: 'un oggetto JSON', en: 'a JSON object' } }]);
  for (const key of Object.keys(body)) if (!fields.includes(key)) issues.push({ field: key, problem: 'unknown' });
  return body;
}

/** A path id that must be a UUID (400 otherwise), lower-cased. */
export function parseUuid(id: string, what: { it: string; en: string } = { it: 'un UUID', en: 'a UUID' }): string {
  if (!UUID.test(id)) throw validationFailed([{ field: 'path:id', problem: 'format', message: what }]);
  return id.toLowerCase();
}

/** The page size of the lists: default and most. */
export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;

/**
 * A list's query string: `one(key)` reads a parameter given at most once (a repeated one, or one of more
 * than 200 characters, is a field error); keys other than `keys` are field errors too.
 */
export function queryReader(query: Record<string, unknown>, keys: readonly string[], errors: FieldIssue[]) {
  for (const key of Object.keys(query)) if (!keys.includes(key)) errors.push({ field: `query:${key}`, problem: 'unknown' });
  return (key: string): string | undefined => {
    const v = query[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') {
      errors.push({ field: `query:${key}`, problem: 'type', message: { it: 'da indicare una sola volta', en: 'given once' } });
      return undefined;
    }
    if (v.length > 200) errors.push({ field: `query:${key}`, problem: 'range' });
    return v;
  };
}

/** `limit` of a list: 1 to MAX_PAGE (a field error otherwise), DEFAULT_PAGE when absent. */
export function pageLimit(text: string | undefined, errors: FieldIssue[]): number {
  if (text === undefined) return DEFAULT_PAGE;
  if (/^\d{1,4}$/.test(text) && Number(text) >= 1 && Number(text) <= MAX_PAGE) return Number(text);
  errors.push({ field: 'query:limit', problem: 'range', message: { it: `da 1 a ${MAX_PAGE}`, en: `1 to ${MAX_PAGE}` } });
  return DEFAULT_PAGE;
}

/** Keyset-pagination cursors: the last item's creation time and id, opaque to clients. */
export interface Cursor {
  createdAt: Date;
  id: string;
}

export const encodeCursor = (createdAt: string, id: string): string => Buffer.from(`${createdAt}|${id}`).toString('base64url');

/**
 * An instant sent by a client (ISO 8601: a date, or a date-time with its zone), or null when it is
 * not one or lies outside the years 0001-9999: JavaScript holds dates PostgreSQL cannot (down to
 * 271821 BC), and no date of a case file lies outside that span.
 */
export function parseInstant(text: string): Date | null {
  const ms = parseDate(text);
  if (Number.isNaN(ms)) return null;
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  return year >= 1 && year <= 9999 ? date : null;
}

/** The form in which the service writes the instants of its cursors (Date.prototype.toISOString). */
const CURSOR_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The cursor a client sent back, or null when it is not one of ours (only what encodeCursor writes). */
export function decodeCursor(text: string): Cursor | null {
  if (!/^[\w-]{1,200}$/.test(text)) return null;
  const [createdAt, id, ...rest] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  const date = CURSOR_INSTANT.test(createdAt) ? parseInstant(createdAt) : null;
  return date && rest.length === 0 && id && UUID.test(id) ? { createdAt: date, id: id.toLowerCase() } : null;
}
