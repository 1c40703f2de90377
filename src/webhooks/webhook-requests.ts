import { OPENING_EVENT, PATHWAYS, RECORD_KEEPING_EVENTS, PATHWAY_NAMES, isPathwayName } from '../../machines/index.js';
import { validationFailed, type FieldIssue } from '../common/problem.js';
import { UUID, decodeCursor, isPlainObject, parseInstant, type Cursor } from '../common/request-parsing.js';
import type { AddressGuard } from './address-policy.js';

/** Parsing of what clients send to /webhooks: every problem is a 400 VALIDATION_FAILED by field. */

const SERVICES = ['A1', 'A2', 'A3', 'A4', 'A5', 'A6', 'B1', 'B2', 'B3', 'B4'];
const ORDERINGS = ['per-case', 'none'] as const;
export const DELIVERY_STATUSES = ['pending', 'in_flight', 'succeeded', 'failed', 'paused'];
export type Ordering = (typeof ORDERINGS)[number];

/** Every event type any pathway knows, plus the opening of a case. */
export const KNOWN_EVENT_TYPES = new Set([
  OPENING_EVENT,
  ...RECORD_KEEPING_EVENTS,
  ...PATHWAY_NAMES.flatMap((p) => Object.keys(PATHWAYS[p].events)),
]);

export interface SubscriptionInput {
  url?: string;
  description?: string | null;
  filter?: { pathways: string[]; eventTypes: string[]; services: string[] };
  ordering?: Ordering;
  enabled?: boolean;
}

function list(
  issues: FieldIssue[],
  field: string,
  value: unknown,
  allowed: (v: string) => boolean,
  hint: { it: string; en: string },
): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > 200 || !value.every((v) => typeof v === 'string')) {
    issues.push({
      field,
      problem: 'type',
      message: { it: 'un elenco di stringhe (al massimo 200)', en: 'a list of strings (at most 200)' },
    });
    return [];
  }
  const bad = value.filter((v) => !allowed(v));
  if (bad.length > 0)
    issues.push({ field, problem: 'enum', message: { it: `${bad.join(', ')}: ${hint.it}`, en: `${bad.join(', ')}: ${hint.en}` } });
  return [...new Set(value)];
}

/** A subscription's body: all fields for a creation (url required), only those given for a PATCH. */
export function parseSubscription(body: unknown, args: { guard: AddressGuard; creating: boolean }): SubscriptionInput {
  if (!isPlainObject(body))
    throw validationFailed([{ field: 'body', problem: 'type', message: { it: 'un oggetto JSON', en: 'a JSON object' } }]);
  const issues: FieldIssue[] = [];
  const result: SubscriptionInput = {};
  for (const key of Object.keys(body))
    if (!['url', 'description', 'filter', 'ordering', 'enabled'].includes(key)) issues.push({ field: key, problem: 'unknown' });
  if (body.url !== undefined || args.creating) {
    if (typeof body.url !== 'string') issues.push({ field: 'url', problem: body.url === undefined ? 'required' : 'type' });
    else {
      const problem = args.guard.checkUrl(body.url);
      if (problem) issues.push({ field: 'url', problem: 'format', message: { it: problem, en: problem } });
      else result.url = body.url;
    }
  }
  if (body.description !== undefined) {
    if (body.description !== null && (typeof body.description !== 'string' || body.description.length > 500)) {
      issues.push({
        field: 'description',
        problem: 'type',
        message: { it: 'una stringa di al massimo 500 caratteri', en: 'a string of at most 500 characters' },
      });
    } else result.description = body.description;
  }
  if (body.filter !== undefined || args.creating) {
    const filter = body.filter ?? {};
    if (!isPlainObject(filter)) issues.push({ field: 'filter', problem: 'type', message: { it: 'un oggetto JSON', en: 'a JSON object' } });
    else {
      for (const key of Object.keys(filter))
        if (!['pathways', 'eventTypes', 'services'].includes(key)) issues.push({ field: `filter.${key}`, problem: 'unknown' });
      result.filter = {
        pathways: list(issues, 'filter.pathways', filter.pathways, isPathwayName, {
          it: `percorsi: ${PATHWAY_NAMES.join(', ')}`,
          en: `pathways are ${PATHWAY_NAMES.join(', ')}`,
        }),
        eventTypes: list(issues, 'filter.eventTypes', filter.eventTypes, (t) => KNOWN_EVENT_TYPES.has(t), {
          it: 'eventi sconosciuti (GET /pathways/:name)',
          en: 'unknown events (GET /pathways/:name)',
        }),
        services: list(issues, 'filter.services', filter.services, (s) => SERVICES.includes(s), {
          it: 'servizi da A1 a B4',
          en: 'services are A1 to B4',
        }),
      };
    }
  }
  if (body.ordering !== undefined) {
    if (!ORDERINGS.includes(body.ordering as Ordering))
      issues.push({ field: 'ordering', problem: 'enum', message: { it: 'per-case oppure none', en: 'per-case or none' } });
    else result.ordering = body.ordering as Ordering;
  }
  if (body.enabled !== undefined) {
    if (typeof body.enabled !== 'boolean') issues.push({ field: 'enabled', problem: 'type' });
    else result.enabled = body.enabled;
  }
  if (issues.length > 0) throw validationFailed(issues);
  return result;
}

export function parseRotation(body: unknown): { graceHours: number } {
  const value = isPlainObject(body) ? body.graceHours : undefined;
  const issues: FieldIssue[] = [];
  if (body !== undefined && body !== null && !isPlainObject(body)) issues.push({ field: 'body', problem: 'type' });
  else if (isPlainObject(body))
    for (const key of Object.keys(body)) if (key !== 'graceHours') issues.push({ field: key, problem: 'unknown' });
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 720)) {
    issues.push({ field: 'graceHours', problem: 'range', message: { it: 'da 0 a 720 ore', en: '0 to 720 hours' } });
  }
  if (issues.length > 0) throw validationFailed(issues);
  return { graceHours: (value as number | undefined) ?? 24 };
}

export function parseReplay(body: unknown): { from: Date | null; to: Date | null; types: string[] } {
  if (body !== undefined && !isPlainObject(body)) throw validationFailed([{ field: 'body', problem: 'type' }]);
  const b = body ?? {};
  const issues: FieldIssue[] = [];
  for (const key of Object.keys(b)) if (!['from', 'to', 'types'].includes(key)) issues.push({ field: key, problem: 'unknown' });
  const date = (field: 'from' | 'to'): Date | null => {
    const v = b[field];
    if (v === undefined || v === null) return null;
    const d = typeof v === 'string' ? parseInstant(v) : null;
    if (!d)
      issues.push({
        field,
        problem: 'format',
        message: { it: 'una data ISO 8601 tra gli anni 0001 e 9999', en: 'an ISO 8601 date within the years 0001 to 9999' },
      });
    return d;
  };
  const from = date('from');
  const to = date('to');
  const types = list(issues, 'types', b.types, (t) => KNOWN_EVENT_TYPES.has(t), { it: 'eventi sconosciuti', en: 'unknown events' });
  if (issues.length > 0) throw validationFailed(issues);
  return { from, to, types };
}

export function parseDeliveryQuery(query: Record<string, unknown>): { status?: string; caseId?: string; cursor?: Cursor; limit: number } {
  const issues: FieldIssue[] = [];
  for (const key of Object.keys(query))
    if (!['status', 'caseId', 'limit', 'cursor'].includes(key)) issues.push({ field: `query:${key}`, problem: 'unknown' });
  const one = (key: string) => {
    const v = query[key];
    if (v !== undefined && typeof v !== 'string') issues.push({ field: `query:${key}`, problem: 'type' });
    return typeof v === 'string' ? v : undefined;
  };
  const status = one('status');
  if (status !== undefined && !DELIVERY_STATUSES.includes(status)) issues.push({ field: 'query:status', problem: 'enum' });
  const caseId = one('caseId');
  if (caseId !== undefined && !UUID.test(caseId)) issues.push({ field: 'query:caseId', problem: 'format' });
  const limitText = one('limit');
  const limit = limitText === undefined ? 50 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200)
    issues.push({ field: 'query:limit', problem: 'range', message: { it: 'da 1 a 200', en: '1 to 200' } });
  const cursorText = one('cursor');
  let cursor: Cursor | undefined;
  if (cursorText !== undefined) {
    cursor = decodeCursor(cursorText) ?? undefined;
    if (!cursor) issues.push({ field: 'query:cursor', problem: 'format' });
  }
  if (issues.length > 0) throw validationFailed(issues);
  return { status, caseId: caseId?.toLowerCase(), cursor, limit };
}
