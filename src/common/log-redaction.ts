import type { SerializedRequest } from 'pino';
import { databaseSummary, describeError, scrubQuoted, sqlState } from '../database/database-errors.js';

export { describeError };

/**
 * What the logs may hold (issue 14, GDPR art. 5(1)(c), 32): the request line, status, timing,
 * request id, problem codes and SQLSTATEs. Never a subject (tax code), a name or a payload, and
 * never a credential. The dangers, and the answer to each:
 * - the query string: `GET /cases?subject=RSSMRA80A01H501U` puts a tax code in the URL. The logged URL
 *   keeps the values of a few harmless parameters (QUERY_VALUES_KEPT) and replaces the others by
 *   `[redacted]`; a parameter we do not know loses its name too (the name itself may be the data).
 *   The parsed `query` and `params` are not logged at all; nor are bodies (pino-http never logs them).
 * - database errors: a QueryFailedError carries the SQL's `parameters`, and PostgreSQL's message and
 *   `detail` echo values (`invalid input syntax for type uuid: "..."`, `Key (subject)=(...)`). They are
 *   logged by their SQLSTATE, constraint, table and column only (describeError), never the message.
 * - other errors: their message with every double-quoted fragment replaced (JSON.parse and most
 *   validators quote the offending input), and their stack frames.
 * - credentials: the Authorization and Cookie request headers, and the Set-Cookie response header
 *   (a new session), are replaced by `[Redacted]`.
 */

/** Query parameters whose values are logged: enumerations, numbers and opaque cursors, never anyone's data. */
export const QUERY_VALUES_KEPT = new Set([
  'pathway',
  'status',
  'service',
  'serviceStatus',
  'practice',
  'limit',
  'cursor',
  'after',
  'upTo',
  'lastEventId',
  'scope',
]);

/** Query parameters the service reads whose values may be personal (or secret): logged by name only. */
const QUERY_NAMES_KEPT = new Set(['subject', 'office', 'state', 'caseId', 'operatorId', 'from', 'to', 'code']);

export const REDACTED = '[redacted]';

/** A URL (path and query) as the logs show it: the path, and the query with its values redacted but for the harmless ones. */
export function redactUrl(url: string): string {
  const mark = url.indexOf('?');
  if (mark < 0) return url;
  const pairs = url
    .slice(mark + 1)
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const rawName = equals < 0 ? pair : pair.slice(0, equals);
      const name = decodeQueryName(rawName);
      if (name !== null && QUERY_VALUES_KEPT.has(name)) return pair;
      if (name !== null && QUERY_NAMES_KEPT.has(name)) return `${rawName}=${REDACTED}`;
      return REDACTED;
    });
  return `${url.slice(0, mark)}?${pairs.join('&')}`;
}

function decodeQueryName(raw: string): string | null {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return null;
  }
}

/** The request as logged: method, redacted URL, headers (credentials redacted by the `redact` paths), peer; no query or params objects. */
export function serializeRequest(request: SerializedRequest): Record<string, unknown> {
  const headers = { ...request.headers };
  // A page's address may carry a query too (the inspector's list filters).
  if (typeof headers.referer === 'string') headers.referer = redactUrl(headers.referer);
  return {
    id: request.id,
    method: request.method,
    url: redactUrl(request.url),
    headers,
    remoteAddress: request.remoteAddress,
    remotePort: request.remotePort,
  };
}

/**
 * A logged error (an `err` field), as describeError shows it. pino-http hands its serializers pino's
 * own serialization, which keeps the error itself as `raw`.
 */
export function serializeError(value: unknown): Record<string, unknown> {
  const raw = typeof value === 'object' && value !== null && 'raw' in value ? value.raw : value;
  if (!(raw instanceof Error)) return { type: typeof raw, message: describeError(raw) };
  const state = sqlState(raw);
  return {
    type: raw.name,
    message: state ? databaseSummary(raw, state) : scrubQuoted(raw.message),
    stack: describeError(raw, { stack: true }),
    ...(state ? { sqlState: state } : {}),
  };
}

/** The paths pino replaces by `[Redacted]` (after the serializers). */
export const REDACT_PATHS = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'];

/** The pino-http options of the redaction: serializers and redact paths. */
export const logRedaction = {
  serializers: {
    req: serializeRequest,
    err: serializeError,
  },
  redact: REDACT_PATHS,
};
