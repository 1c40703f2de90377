import { PATHWAY_NAMES, isPathwayName, type PathwayName } from '../../machines/index.js';
import { validationFailed, type FieldIssue } from '../common/problem.js';
import { decodeCursor, isPlainObject, objectBody, pageLimit, parseUuid, queryReader, UUID } from '../common/request-parsing.js';
import type { CaseFilter } from './case.repository.js';
import { normaliseSubject, subjectProblem } from './subject.js';

/**
 * Parsing of what clients send to /cases: bodies, headers and query strings. Everything that fails
 * is a 400 VALIDATION_FAILED listing each field; the machine validates event payloads itself.
 */

const EVENT_TYPE = /^[A-Z][A-Z0-9_]{0,63}$/;
// Idempotency keys: visible ASCII, as the IETF draft and Stripe's API accept.
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const SERVICE_STATUSES = ['not_started', 'active', 'completed', 'not_applicable'];
const CASE_STATUSES = ['active', 'done'];

export interface CreateCaseRequest {
  pathway: PathwayName;
  subject: string;
  /** Undefined: the actor's only office. */
  officeId: string | undefined;
  input: Record<string, unknown>;
  practice: boolean;
}

export function parseCaseId(id: string): string {
  return parseUuid(id, { it: 'l’id di un caso è un UUID', en: 'a case id is a UUID' });
}

/** A text field, trimmed: required or not, at most `max` characters. */
export function text(errors: FieldIssue[], field: string, value: unknown, max: number, required: boolean): string | null {
  if (value === undefined || value === null) {
    if (required) errors.push({ field, problem: 'required' });
    return null;
  }
  if (typeof value !== 'string') {
    errors.push({ field, problem: 'type', message: { it: 'una stringa', en: 'a string' } });
    return null;
  }
  const trimmed = value.trim();
  if (trimmed.length === 0) errors.push({ field, problem: 'required' });
  else if (trimmed.length > max)
    errors.push({ field, problem: 'range', message: { it: `al massimo ${max} caratteri`, en: `at most ${max} characters` } });
  return trimmed;
}

/** An optional UUID field (an office, an operator). */
export function optionalUuid(errors: FieldIssue[], field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !UUID.test(value)) {
    errors.push({ field, problem: 'format', message: { it: 'un UUID', en: 'a UUID' } });
    return undefined;
  }
  return value.toLowerCase();
}

export function parseCreateCase(sent: unknown): CreateCaseRequest {
  const errors: FieldIssue[] = [];
  const body = objectBody(sent, ['pathway', 'subject', 'officeId', 'input', 'practice'], errors);
  if (body.pathway === undefined) errors.push({ field: 'pathway', problem: 'required' });
  else if (!isPathwayName(body.pathway))
    errors.push({
      field: 'pathway',
      problem: 'enum',
      message: { it: `uno tra ${PATHWAY_NAMES.join(', ')}`, en: `one of ${PATHWAY_NAMES.join(', ')}` },
    });
  // Stored and compared normalised: `rssmra 80a01h501u` is RSSMRA80A01H501U.
  const given = text(errors, 'subject', body.subject, 200, true);
  const subject = given === null ? null : normaliseSubject(given);
  if (subject && isPathwayName(body.pathway)) {
    const problem = subjectProblem(body.pathway, subject);
    if (problem) errors.push({ field: 'subject', problem: 'format', message: problem });
  }
  const officeId = optionalUuid(errors, 'officeId', body.officeId);
  if (body.input !== undefined && !isPlainObject(body.input))
    errors.push({ field: 'input', problem: 'type', message: { it: 'un oggetto JSON', en: 'a JSON object' } });
  if (body.practice !== undefined && typeof body.practice !== 'boolean') errors.push({ field: 'practice', problem: 'type' });
  if (errors.length > 0) throw validationFailed(errors);
  return {
    pathway: body.pathway as PathwayName,
    subject: subject!,
    officeId,
    input: (body.input as Record<string, unknown>) ?? {},
    practice: body.practice === true,
  };
}

/** POST /cases/:id/assignment: `{assigneeId}`, an operator's id or null (unassigned). */
export function parseAssignment(body: unknown): { kind: 'assign'; assigneeId: string | null } {
  const errors: FieldIssue[] = [];
  const value = objectBody(body, ['assigneeId'], errors).assigneeId;
  if (value === undefined) errors.push({ field: 'assigneeId', problem: 'required' });
  const assigneeId = value === null ? null : optionalUuid(errors, 'assigneeId', value);
  if (errors.length > 0) throw validationFailed(errors);
  return { kind: 'assign', assigneeId: assigneeId ?? null };
}

/** POST /cases/:id/transfer: `{officeId, reason}`. */
export function parseTransfer(body: unknown): { kind: 'transfer'; officeId: string; reason: string } {
  const errors: FieldIssue[] = [];
  const fields = objectBody(body, ['officeId', 'reason'], errors);
  if (fields.officeId === undefined) errors.push({ field: 'officeId', problem: 'required' });
  const officeId = optionalUuid(errors, 'officeId', fields.officeId);
  const reason = text(errors, 'reason', fields.reason, 500, true);
  if (errors.length > 0) throw validationFailed(errors);
  return { kind: 'transfer', officeId: officeId!, reason: reason! };
}

/**
 * An event as sent: `{type, at?, ...payload}`. The operator is the request's actor and
 * `receivedAt` the service's clock, so neither may come from the body; `at` defaults to now.
 */
export function parseEventBody(body: unknown, now: Date): Record<string, unknown> & { type: string; at: unknown } {
  if (!isPlainObject(body))
    throw validationFailed([{ field: 'body', problem: 'type', message: { it: 'un oggetto JSON', en: 'a JSON object' } }]);
  const errors: FieldIssue[] = [];
  if (body.type === undefined) errors.push({ field: 'type', problem: 'required' });
  else if (typeof body.type !== 'string') errors.push({ field: 'type', problem: 'type', message: { it: 'una stringa', en: 'a string' } });
  else if (!EVENT_TYPE.test(body.type))
    errors.push({
      field: 'type',
      problem: 'format',
      message: { it: 'il nome di un evento, come PATTO_SIGNED', en: 'an event name such as PATTO_SIGNED' },
    });
  for (const field of ['operator', 'receivedAt']) {
    if (field in body)
      errors.push({
        field,
        problem: 'unknown',
        message: { it: 'lo imposta il servizio, non il client', en: 'set by the service, not by the client' },
      });
  }
  if (errors.length > 0) throw validationFailed(errors);
  return { ...body, type: body.type as string, at: body.at ?? now.toISOString() };
}

export function parseIdempotencyKey(header: string | undefined): string | null {
  if (header === undefined) return null;
  if (!IDEMPOTENCY_KEY.test(header)) {
    throw validationFailed([
      {
        field: 'header:Idempotency-Key',
        problem: 'format',
        message: { it: 'da 1 a 255 caratteri ASCII visibili', en: '1 to 255 visible ASCII characters' },
      },
    ]);
  }
  return header;
}

/** If-Match: `"<version>"` (or W/"<version>", or a list of them, or `*`). Null when absent. */
export function parseIfMatch(header: string | undefined): number[] | '*' | null {
  if (header === undefined) return null;
  if (header.trim() === '*') return '*';
  const versions = header.split(',').map((tag) => /^\s*(?:W\/)?"(\d{1,9})"\s*$/.exec(tag)?.[1]);
  if (versions.some((v) => v === undefined)) {
    throw validationFailed([
      {
        field: 'header:If-Match',
        problem: 'format',
        message: { it: 'l’ETag del caso, ad esempio "3"', en: 'the ETag of the case, e.g. "3"' },
      },
    ]);
  }
  return versions.map(Number);
}

/** The list's filters, as the repository takes them. */
export type ListQuery = Omit<CaseFilter, 'reach' | 'assigneeId'> & { scope: 'mine' | 'all' };

const QUERY_KEYS = [
  'pathway',
  'status',
  'state',
  'service',
  'serviceStatus',
  'officeId',
  'scope',
  'subject',
  'practice',
  'cursor',
  'limit',
];

export function parseListQuery(query: Record<string, unknown>): ListQuery {
  const errors: FieldIssue[] = [];
  const one = queryReader(query, QUERY_KEYS, errors);
  const result: ListQuery = { limit: 0, scope: 'all' };
  const pathway = one('pathway');
  if (pathway !== undefined && !isPathwayName(pathway)) errors.push({ field: 'query:pathway', problem: 'enum' });
  const status = one('status');
  if (status !== undefined && !CASE_STATUSES.includes(status)) errors.push({ field: 'query:status', problem: 'enum' });
  const service = one('service');
  if (service !== undefined && !/^(A[1-6]|B[1-4])$/.test(service))
    errors.push({ field: 'query:service', problem: 'format', message: { it: 'un servizio, come A3', en: 'a service key such as A3' } });
  const serviceStatus = one('serviceStatus');
  if (serviceStatus !== undefined && !SERVICE_STATUSES.includes(serviceStatus))
    errors.push({ field: 'query:serviceStatus', problem: 'enum' });
  if ((service === undefined) !== (serviceStatus === undefined)) {
    errors.push({
      field: service === undefined ? 'query:service' : 'query:serviceStatus',
      problem: 'required',
      message: { it: 'service e serviceStatus vanno indicati insieme', en: 'service and serviceStatus go together' },
    });
  }
  result.limit = pageLimit(one('limit'), errors);
  const cursor = one('cursor');
  if (cursor !== undefined) {
    const after = decodeCursor(cursor);
    if (!after) errors.push({ field: 'query:cursor', problem: 'format' });
    else result.after = after;
  }
  const state = one('state');
  // Normalised as new cases' subjects are (stored ones are matched whatever their letter case).
  const subjectText = one('subject');
  const subject = subjectText === undefined ? undefined : normaliseSubject(subjectText);
  const officeId = optionalUuid(errors, 'query:officeId', one('officeId'));
  // scope=mine: the cases assigned to the actor; all (default): every case in reach.
  const scope = one('scope');
  if (scope !== undefined && scope !== 'mine' && scope !== 'all')
    errors.push({ field: 'query:scope', problem: 'enum', message: { it: 'mine oppure all', en: 'mine or all' } });
  if (scope === 'mine') result.scope = 'mine';
  // Practice cases (the inspector's sandbox) are listed only when asked for: practice=true, or all.
  const practiceText = one('practice') ?? 'false';
  if (!['true', 'false', 'all'].includes(practiceText))
    errors.push({ field: 'query:practice', problem: 'enum', message: { it: 'true, false o all', en: 'true, false or all' } });
  const practice = practiceText === 'all' ? undefined : practiceText === 'true';
  if (errors.length > 0) throw validationFailed(errors);
  return { ...result, pathway, status, state, service, serviceStatus, officeId, subject, practice };
}

export function parseHistoryQuery(query: Record<string, unknown>): { afterSequence: number; limit: number } {
  const errors: FieldIssue[] = [];
  for (const key of Object.keys(query)) if (!['after', 'limit'].includes(key)) errors.push({ field: `query:${key}`, problem: 'unknown' });
  const number = (key: string, min: number, max: number, fallback: number): number => {
    const v = query[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || !/^\d{1,9}$/.test(v) || Number(v) < min || Number(v) > max) {
      errors.push({ field: `query:${key}`, problem: 'range', message: { it: `da ${min} a ${max}`, en: `${min} to ${max}` } });
      return fallback;
    }
    return Number(v);
  };
  const afterSequence = number('after', 0, 999_999_999, 0);
  const limit = number('limit', 1, 1000, 1000);
  if (errors.length > 0) throw validationFailed(errors);
  return { afterSequence, limit };
}

const SEQUENCE = /^\d{1,15}$/;

/**
 * Where a stream resumes: the `Last-Event-ID` header (sent by EventSource when it reconnects) or
 * the `lastEventId` query parameter; null when neither is given.
 */
export function parseLastEventId(header: string | undefined, query: Record<string, unknown>): number | null {
  const fromQuery = query.lastEventId;
  const [field, raw] =
    header !== undefined && header.trim() !== '' ? ['header:Last-Event-ID', header.trim()] : ['query:lastEventId', fromQuery];
  if (raw === undefined) return null;
  if (typeof raw !== 'string' || !SEQUENCE.test(raw)) {
    throw validationFailed([
      { field, problem: 'format', message: { it: 'un numero di sequenza (intero ≥ 0)', en: 'a sequence number (integer ≥ 0)' } },
    ]);
  }
  return Number(raw);
}

/** `?upTo=N` of GET /cases/:id/replay: the last sequence to replay (default: all). */
export function parseReplayQuery(query: Record<string, unknown>): { upTo: number | null } {
  const errors: FieldIssue[] = [];
  for (const key of Object.keys(query)) if (key !== 'upTo') errors.push({ field: `query:${key}`, problem: 'unknown' });
  const raw = query.upTo;
  let upTo: number | null = null;
  if (raw !== undefined) {
    if (typeof raw !== 'string' || !SEQUENCE.test(raw) || Number(raw) < 1) {
      errors.push({ field: 'query:upTo', problem: 'format', message: { it: 'un intero ≥ 1', en: 'an integer ≥ 1' } });
    } else upTo = Number(raw);
  }
  if (errors.length > 0) throw validationFailed(errors);
  return { upTo };
}
