import { validationFailed } from './problem.js';

/** Pieces of request parsing that every capability shares. */

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A path id that must be a UUID (400 otherwise), lower-cased. */
export function parseUuid(id: string, what: { it: string; en: string } = { it: 'un UUID', en: 'a UUID' }): string {
  if (!UUID.test(id)) throw validationFailed([{ field: 'path:id', problem: 'format', message: what }]);
  return id.toLowerCase();
}

/** Keyset-pagination cursors: the last item's creation time and id, opaque to clients. */
export interface Cursor {
  createdAt: Date;
  id: string;
}

export const encodeCursor = (createdAt: string, id: string): string => Buffer.from(`${createdAt}|${id}`).toString('base64url');

/** The cursor a client sent back, or null when it is not one of ours. */
export function decodeCursor(text: string): Cursor | null {
  const [createdAt, id] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  const date = new Date(createdAt);
  return id && UUID.test(id) && !Number.isNaN(date.getTime()) ? { createdAt: date, id } : null;
}
