const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
// SQLSTATE: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections, and class 08 (connection exception).
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not established|Query read timeout|connect ECONNREFUSED|Too many connections|Handler disconnected/i;

/** True when an error means the database cannot be reached (503, retry later), not a bad request. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || UNAVAILABLE_STATES.has(code) || code.startsWith('08'))) return true;
    if (typeof message === 'string' && CONNECTION_MESSAGES.test(message)) return true;
    e = (e as { driverError?: unknown; cause?: unknown }).driverError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The SQLSTATE of an error that a request's data caused (class 22, data exception: a value out of
 * range, invalid text representation, a character the encoding cannot hold...), or null. Such an
 * error is the client's, not a fault: 400, never 500. The edge refuses these values first; this is
 * the net under it.
 */
export function dataExceptionState(error: unknown): string | null {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const { code } = e as { code?: unknown };
    if (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)) return code;
    e = (e as { driverError?: unknown; cause?: unknown }).driverError ?? (e as { cause?: unknown }).cause;
  }
  return null;
}

/**
 * An error as a log line may show it: for a database error its class, SQLSTATE, constraint, table
 * and column (never the message, the query or its parameters); for another error its message with
 * quoted fragments redacted. With `stack`, the stack frames (code locations) follow, and the causes.
 */
export function describeError(error: unknown, options: { stack?: boolean } = {}): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    if (!(current instanceof Error)) {
      parts.push(typeof current === 'string' ? scrubQuoted(current) : `[thrown ${typeof current}]`);
      break;
    }
    const state = sqlState(current);
    const head = `${current.name}: ${state ? databaseSummary(current, state) : scrubQuoted(current.message)}`;
    const frames = options.stack ? (current.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line)) : [];
    parts.push([head, ...frames].join('\n'));
    current = current.cause;
  }
  return parts.join('\ncaused by: ');
}

const REDACTED = '[redacted]';

/** Double-quoted fragments (the offending input, in most parsers' and validators' messages). */
const QUOTED = /"(?:[^"\\\n]|\\.)*"/g;

export const scrubQuoted = (text: string): string => text.replace(QUOTED, `"${REDACTED}"`);

interface DriverFields {
  code?: unknown;
  constraint?: unknown;
  table?: unknown;
  column?: unknown;
  driverError?: unknown;
}

/** The SQLSTATE of a database error (on the error or TypeORM's driverError), or null. */
export function sqlState(error: Error): string | null {
  for (const e of [error, (error as DriverFields).driverError]) {
    const code = (e as DriverFields | undefined)?.code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return null;
}

export function databaseSummary(error: Error, state: string): string {
  const fields = { ...(error as DriverFields), ...((error as DriverFields).driverError as DriverFields | undefined) };
  const names = (['constraint', 'table', 'column'] as const)
    .filter((key) => typeof fields[key] === 'string')
    .map((key) => `${key} ${String(fields[key])}`);
  return [`SQLSTATE ${state}`, ...names].join(', ') + ' (message and values not logged)';
}
