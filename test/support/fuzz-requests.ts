import { isUtf8 } from 'node:buffer';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { SchemaValues, type Schema, type SchemaDocument } from './fuzz-schema.js';
import {
  anyJsonValue,
  asHeaderValue,
  cursorOf,
  deepJson,
  hostileCursor,
  hostileHeaderValue,
  hostileQueryValue,
  hostileSegment,
  loadedKey,
  percentEncode,
  toJsonText,
  wideJson,
  word,
} from './fuzz-values.js';

/**
 * Requests for every operation of the OpenAPI document, made from what the document says the
 * operation reads: path parameters, query parameters, headers, a body and its encoding. Each part
 * comes valid or hostile, and most requests spoil one part only, so that the valid rest carries the
 * hostile part as deep into the service as it can go.
 */

// ---------------------------------------------------------------------------------------------
// The operations, read from the document.

interface Parameter {
  name: string;
  in: 'query' | 'header' | 'path' | 'cookie';
  schema?: Schema;
}

interface DocumentOperation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

export interface FuzzDocument extends SchemaDocument {
  paths: Record<string, Record<string, DocumentOperation>>;
}

export interface Operation {
  method: string;
  /** The path template: /cases/{id}/events. */
  template: string;
  query: Parameter[];
  headers: Parameter[];
  /** The JSON body's schema; null for an operation that takes no body. */
  body: Schema | null;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every operation of the document: the routes of later steps are fuzzed as soon as they are documented. */
export function operationsOf(document: FuzzDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([template, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({
        method: method.toUpperCase(),
        template,
        query: (operation.parameters ?? []).filter((p) => p.in === 'query'),
        headers: (operation.parameters ?? []).filter((p) => p.in === 'header'),
        body: operation.requestBody?.content?.['application/json']?.schema ?? null,
      })),
  );
}

// ---------------------------------------------------------------------------------------------
// A generated request.

/**
 * An existing resource, picked when the request is sent: the `index`-th id of the collection (the
 * path segment before the parameter: cases, subscriptions, pathways...) as the suite knows them then.
 */
export interface Existing {
  collection: string;
  index: number;
}

export interface FuzzBody {
  /** The bytes sent. */
  bytes: Buffer;
  /** What the body is, for a report: its text (cut), what was done to its bytes. */
  preview: string;
  contentType: string | null;
  contentEncoding: string | null;
  /** The declared charset, lower-cased and unquoted; null when none is declared. */
  charset: string | null;
  /** Whether the media type is JSON's (application/json or +json). */
  json: boolean;
  /** Whether the bytes beneath the content coding are valid UTF-8. */
  utf8: boolean;
}

export interface FuzzRequest {
  /** The operation it was made for: POST /cases/{id}/events. */
  operation: string;
  /** The parts made hostile. */
  spoilt: Part[];
  method: string;
  /** Path segments, percent-encoded, or existing resources to put there. */
  path: (string | Existing)[];
  /** The query string, encoded, without `?`. */
  query: string;
  headers: Record<string, string>;
  body: FuzzBody | null;
}

const isExisting = (segment: string | Existing): segment is Existing => typeof segment !== 'string';
const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}... (${text.length} characters)` : text);

/** The request in one line: method, path and query, headers, body (its size and a preview). */
export function describeRequest(
  request: FuzzRequest,
  path = request.path.map((s) => (isExisting(s) ? `{${s.collection}#${s.index}}` : s)),
): string {
  const url = `/${path.join('/')}${request.query ? `?${request.query}` : ''}`;
  const headers = Object.entries({
    ...request.headers,
    ...(request.body?.contentType != null ? { 'Content-Type': request.body.contentType } : {}),
    ...(request.body?.contentEncoding != null ? { 'Content-Encoding': request.body.contentEncoding } : {}),
  })
    .map(([name, value]) => `${name}: ${JSON.stringify(cut(value, 80))}`)
    .join(', ');
  const body = request.body ? ` body ${request.body.bytes.length} bytes: ${request.body.preview}` : '';
  return `[${request.operation}, hostile ${request.spoilt.join('+') || 'nothing'}] ${request.method} ${cut(url, 300)} {${headers}}${body}`;
}

// ---------------------------------------------------------------------------------------------
// The parts of a request, each valid or hostile.

/** A part's valid and hostile forms. */
interface Forms<T> {
  valid: fc.Arbitrary<T>;
  hostile: fc.Arbitrary<T>;
}

export type Part = 'method' | 'path' | 'query' | 'headers' | 'body' | 'encoding';

/** How often each part of an operation's requests is the one spoilt: by how much there is to spoil in it. */
function partWeights(operation: Operation): Record<Part, number> {
  const pathParameters = operation.template.split('/').filter((s) => /^\{.+\}$/.test(s)).length;
  return {
    body: operation.body ? 8 : 1,
    encoding: operation.body ? 3 : 0,
    path: 2 * pathParameters,
    query: operation.query.length > 0 ? 2 + operation.query.length : 1,
    headers: 2,
    method: 1,
  };
}

/** Absent now and then (a third of the time by default). */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, presence = 1 / 3): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: Math.round((1 - presence) * 6), arbitrary: fc.constant(null) }, { weight: Math.round(presence * 6), arbitrary });

// Method.

function methodForms(operation: Operation): Forms<string> {
  const others = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].filter((m) => m !== operation.method);
  return { valid: fc.constant(operation.method), hostile: fc.constantFrom(...others) };
}

// Path.

/** The path's segments: literals, and parameters naming existing resources (valid) or one of them not (hostile). */
function pathForms(template: string): Forms<(string | Existing)[]> {
  const segments = template.split('/').filter((s) => s !== '');
  const parameters = segments.flatMap((segment, i) => (/^\{.+\}$/.test(segment) ? [i] : []));
  const valid = fc.tuple(
    ...segments.map((segment, i) =>
      parameters.includes(i) ? fc.nat().map((index): Existing => ({ collection: segments[i - 1] ?? '', index })) : fc.constant(segment),
    ),
  );
  if (parameters.length === 0) return { valid, hostile: valid };
  const notExisting = fc.oneof({ weight: 1, arbitrary: fc.uuid() }, { weight: 3, arbitrary: hostileSegment });
  const hostile = fc
    .tuple(valid, fc.nat({ max: parameters.length - 1 }), notExisting)
    .map(([path, which, segment]) => path.map((part, i) => (i === parameters[which] ? segment : part)));
  return { valid, hostile };
}

// Query.

/** Parameters valid only together: one without the other is refused. */
const TOGETHER = [['service', 'serviceStatus']];

/** The parameters in groups: those valid only together, and each other one alone. */
function grouped(parameters: Parameter[]): Parameter[][] {
  const together = new Set(TOGETHER.flat());
  return [
    ...TOGETHER.map((names) => parameters.filter((p) => names.includes(p.name))),
    ...parameters.filter((p) => !together.has(p.name)).map((p) => [p]),
  ].filter((group) => group.length > 0);
}

/** A parameter's valid value as text, from its schema (a list cursor as the service writes them). */
function validText(parameter: Parameter, values: SchemaValues): fc.Arbitrary<string> {
  const schema = parameter.schema ?? {};
  if (parameter.name === 'cursor')
    return fc.tuple(values.valid({ type: 'string', format: 'date-time' }), fc.uuid()).map(([at, id]) => cursorOf(String(at), id));
  if (schema.pattern) {
    try {
      return fc.stringMatching(new RegExp(schema.pattern, 'u'), { maxLength: 40 });
    } catch {
      // A pattern fast-check cannot read: as if there were none.
    }
  }
  if (schema.enum || schema.type === 'integer' || schema.format) return values.valid(schema).map(String);
  if (schema.example !== undefined)
    return fc.constant(typeof schema.example === 'string' ? schema.example : JSON.stringify(schema.example));
  return word;
}

/** `name=value` pairs, percent-encoded: valid ones; or one of them hostile (or given twice), or an unknown name or junk. */
function queryForms(parameters: Parameter[], values: SchemaValues): Forms<string> {
  const pair = (name: string, value: string) => `${percentEncode(name)}=${value}`;
  const join = (pairs: (string | null)[]) => pairs.filter((p) => p !== null && p !== '').join('&');
  const validPair = (p: Parameter) => validText(p, values).map((v) => pair(p.name, percentEncode(v)));
  const hostileValue = (p: Parameter) =>
    p.name === 'cursor'
      ? fc.oneof({ weight: 4, arbitrary: hostileCursor.map(percentEncode) }, { weight: 1, arbitrary: hostileQueryValue })
      : hostileQueryValue;
  const hostilePair = (p: Parameter) =>
    fc.oneof(
      { weight: 4, arbitrary: hostileValue(p).map((v) => pair(p.name, v)) },
      // Given twice: a list where one value is expected.
      { weight: 1, arbitrary: fc.tuple(validPair(p), hostileValue(p)).map(([first, v]) => `${first}&${pair(p.name, v)}`) },
    );
  const groups = grouped(parameters);
  const validGroups = fc.tuple(...groups.map((members) => sometimes(fc.tuple(...members.map(validPair)).map(join))));
  const valid = validGroups.map(join);
  const unknown = fc.tuple(fc.oneof(loadedKey, word), hostileQueryValue).map(([name, value]) => pair(name, value));
  const junk = fc.constantFrom('&', '=', '&&', '%FF=1', 'a=%', '%E0%A4%A', '%00=%00', 'a=1=2');
  const extra = fc.tuple(valid, fc.oneof(unknown, junk)).map(([query, more]) => join([query, more]));
  if (groups.length === 0) return { valid, hostile: extra };
  // One group hostile: each of its members hostile or valid (the first hostile at least).
  const hostileGroup = (members: Parameter[]) =>
    fc.tuple(...members.map((p, i) => (i === 0 ? hostilePair(p) : fc.oneof(hostilePair(p), validPair(p))))).map(join);
  const oneHostile = fc
    .tuple(validGroups, fc.nat({ max: groups.length - 1 }), fc.tuple(...groups.map(hostileGroup)))
    .map(([pairs, which, hostile]) => join(pairs.map((p, i) => (i === which ? hostile[i] : p))));
  return { valid, hostile: fc.oneof({ weight: 4, arbitrary: oneHostile }, { weight: 1, arbitrary: extra }) };
}

// Headers.

/** Valid values the schema does not give: If-Match `*` holds whatever the case's version. */
const VALID_HEADER_VALUES: Record<string, string[]> = {
  'If-Match': ['*'],
  'Accept-Language': ['it', 'en', 'en-GB, it;q=0.5'],
};
/** Headers the document does not name. */
const UNDOCUMENTED_HEADERS = ['X-Fuzz', 'Content-Language', 'Accept', 'Forwarded', 'X-Forwarded-For'];

/** Documented headers, each group present or not: valid; or one group hostile, or an undocumented header. */
function headerForms(parameters: Parameter[], values: SchemaValues): Forms<Record<string, string>> {
  type Entries = (readonly [string, string])[];
  const validValue = (p: Parameter) =>
    p.name in VALID_HEADER_VALUES ? fc.constantFrom(...VALID_HEADER_VALUES[p.name]) : validText(p, values).map(asHeaderValue);
  // Idempotency keys repeat, so that a key meets another body.
  const reused = (p: Parameter) => (p.name === 'Idempotency-Key' ? [fc.constantFrom('fuzz-key-1', 'fuzz-key-2')] : []);
  const groups = grouped(parameters);
  const group = (members: Parameter[], value: (p: Parameter) => fc.Arbitrary<string>): fc.Arbitrary<Entries> =>
    fc.tuple(...members.map((p) => value(p).map((v) => [p.name, v] as const)));
  const validGroups = fc.tuple(...groups.map((members) => sometimes(group(members, (p) => fc.oneof(validValue(p), ...reused(p))))));
  const toHeaders = (entries: (Entries | null)[]) => Object.fromEntries(entries.flatMap((e) => e ?? []));
  const undocumented = fc
    .tuple(validGroups, fc.constantFrom(...UNDOCUMENTED_HEADERS), hostileHeaderValue)
    .map(([entries, name, value]) => ({ ...toHeaders(entries), [name]: value }));
  if (groups.length === 0) return { valid: fc.constant({}), hostile: undocumented };
  const oneHostile = fc
    .tuple(
      validGroups,
      fc.nat({ max: groups.length - 1 }),
      // One group hostile: its first header hostile, the others hostile or valid.
      fc.tuple(
        ...groups.map((members) =>
          group(members, (p) => (p === members[0] ? hostileHeaderValue : fc.oneof(hostileHeaderValue, validValue(p)))),
        ),
      ),
    )
    .map(([entries, which, hostile]) => toHeaders(entries.map((e, i) => (i === which ? hostile[i] : e))));
  return {
    valid: validGroups.map(toHeaders),
    hostile: fc.oneof({ weight: 4, arbitrary: oneHostile }, { weight: 1, arbitrary: undocumented }),
  };
}

// Body and encoding.

/** The body before it is encoded: JSON text, or bytes. */
type Payload = { text: string } | { bytes: Buffer; note: string };

const asText = (value: unknown): Payload => ({ text: toJsonText(value) });
const garbageBytes: fc.Arbitrary<Payload> = fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => ({
  bytes: Buffer.from(bytes),
  note: `bytes ${Buffer.from(bytes).toString('hex').slice(0, 80)}`,
}));

/** Valid: a value of the schema (no body if the operation takes none). Hostile: spoilt once, or any JSON or bytes. */
function bodyForms(schema: Schema | null, values: SchemaValues): Forms<Payload | null> {
  const anything = fc.oneof(anyJsonValue.map(asText), fc.oneof(deepJson(1000), wideJson).map(asText), garbageBytes);
  if (!schema) return { valid: fc.constant(null), hostile: anything };
  return {
    valid: values.valid(schema).map(asText),
    hostile: fc.oneof({ weight: 4, arbitrary: values.spoilt(schema).map(asText) }, { weight: 1, arbitrary: anything }),
  };
}

/** How a body is sent: its content type (charset included), what happens to its bytes, its content coding. */
interface Encoding {
  contentType: string | null;
  damage: ((bytes: Buffer) => { bytes: Buffer; note: string }) | null;
  coding: ((bytes: Buffer) => { bytes: Buffer; coding: string | null }) | null;
}

const VALID_JSON_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=UTF-8',
  'application/json; charset="utf-8"',
  'application/problem+json',
];
const OTHER_CHARSETS = ['utf-16', 'utf-16le', 'utf-16be', 'utf-32', 'utf-7', 'latin1', 'iso-8859-1', 'us-ascii', 'bogus'];
const NOT_JSON_TYPES = [
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=fuzz',
  'application/xml',
  'application/octet-stream',
  'text/json',
  'application/jsonx',
  '',
];

/** Bytes no UTF-8 decoder accepts. */
const INVALID_UTF8 = [
  [0xff],
  [0xfe],
  [0xc0, 0xaf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0x80],
  [0xe2, 0x82],
];
const BOMS = [
  [0xef, 0xbb, 0xbf],
  [0xff, 0xfe],
  [0xfe, 0xff],
];

const hex = (bytes: number[]) => Buffer.from(bytes).toString('hex');

/** Damage to the bytes of a JSON text: invalid UTF-8 inside a string, a byte order mark, a cut. */
const byteDamage: fc.Arbitrary<NonNullable<Encoding['damage']>> = fc.oneof(
  fc.tuple(fc.constantFrom(...INVALID_UTF8), fc.nat()).map(([bad, at]) => (bytes: Buffer) => {
    // After a quote when there is one, so that the JSON stays well-formed around the bad bytes.
    const quotes = [...bytes.entries()].filter(([, b]) => b === 0x22).map(([i]) => i + 1);
    const position = quotes.length > 0 ? quotes[at % quotes.length] : at % (bytes.length + 1);
    return {
      bytes: Buffer.concat([bytes.subarray(0, position), Buffer.from(bad), bytes.subarray(position)]),
      note: `bytes ${hex(bad)} inserted at ${position}`,
    };
  }),
  fc
    .constantFrom(...BOMS)
    .map((bom) => (bytes: Buffer) => ({ bytes: Buffer.concat([Buffer.from(bom), bytes]), note: `BOM ${hex(bom)} first` })),
  fc.nat().map((at) => (bytes: Buffer) => ({ bytes: bytes.subarray(0, at % Math.max(1, bytes.length)), note: 'truncated' })),
);

const CODINGS: Record<string, (bytes: Buffer) => Buffer> = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };
const compressed = fc.constantFrom(...Object.keys(CODINGS)).map((coding) => (bytes: Buffer) => ({ bytes: CODINGS[coding](bytes), coding }));

/** Codings the bytes do not have, unknown codings, and compressed streams cut in half. */
const badCoding: fc.Arbitrary<NonNullable<Encoding['coding']>> = fc.oneof(
  fc
    .constantFrom('gzip', 'deflate', 'br', 'compress', 'zstd', 'x-fuzz', 'gzip, gzip', 'GZIP', 'identity, gzip')
    .map((coding) => (bytes: Buffer) => ({ bytes, coding })),
  fc.constantFrom(...Object.keys(CODINGS)).map((coding) => (bytes: Buffer) => {
    const whole = CODINGS[coding](bytes);
    return { bytes: whole.subarray(0, Math.floor(whole.length / 2)), coding };
  }),
);

const encodingForms: Forms<Encoding> = {
  // JSON as RFC 8259 has it (UTF-8, the charset said or not), maybe compressed.
  valid: fc.record({
    contentType: fc.constantFrom(...VALID_JSON_TYPES),
    damage: fc.constant(null),
    coding: fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: compressed }),
  }),
  hostile: fc.oneof(
    fc.record({
      contentType: fc.constantFrom(...OTHER_CHARSETS).map((c) => `application/json; charset=${c}`),
      damage: fc.constant(null),
      coding: fc.constant(null),
    }),
    fc.record({
      contentType: fc.oneof(fc.constantFrom(...NOT_JSON_TYPES), fc.constant(null)),
      damage: fc.constant(null),
      coding: fc.constant(null),
    }),
    fc.record({ contentType: fc.constant('application/json'), damage: byteDamage, coding: fc.option(compressed, { nil: null, freq: 2 }) }),
    fc.record({ contentType: fc.constant('application/json'), damage: fc.constant(null), coding: badCoding }),
  ),
};

const charsetOf = (type: string | null): string | null => {
  const match = /;\s*charset\s*=\s*("?)([^";\s]*)\1/i.exec(type ?? '');
  return match ? match[2].toLowerCase() : null;
};

const isJsonType = (type: string | null): boolean => /^application\/([\w.-]+\+)?json\s*(;|$)/i.test(type ?? '');

/** The text's bytes in the declared charset (UTF-8 for a charset Buffer cannot write). */
function encodeText(text: string, charset: string | null): Buffer {
  switch (charset) {
    case 'utf-16le':
      return Buffer.from(text, 'utf16le');
    case 'utf-16':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'utf-16be':
      return Buffer.from(text, 'utf16le').swap16();
    case 'latin1':
    case 'iso-8859-1':
      return Buffer.from(text, 'latin1');
    default:
      return Buffer.from(text, 'utf8');
  }
}

function encode(payload: Payload, encoding: Encoding): FuzzBody {
  const charset = charsetOf(encoding.contentType);
  const written = 'text' in payload ? { bytes: encodeText(payload.text, charset), note: JSON.stringify(cut(payload.text, 300)) } : payload;
  const damaged = encoding.damage ? encoding.damage(written.bytes) : { bytes: written.bytes, note: '' };
  const sent = encoding.coding ? encoding.coding(damaged.bytes) : { bytes: damaged.bytes, coding: null };
  const notes = [
    written.note,
    damaged.note,
    charset && charset !== 'utf-8' ? `written as ${charset}` : '',
    sent.coding ? `coded ${sent.coding}` : '',
  ];
  return {
    bytes: sent.bytes,
    preview: notes.filter((n) => n !== '').join('; '),
    contentType: encoding.contentType,
    contentEncoding: sent.coding,
    charset,
    json: isJsonType(encoding.contentType),
    utf8: isUtf8(damaged.bytes),
  };
}

// ---------------------------------------------------------------------------------------------

/** Which parts to spoil: one mostly, sometimes two or three, now and then none. */
function spoiltParts(operation: Operation): fc.Arbitrary<Part[]> {
  const weighted = (Object.entries(partWeights(operation)) as [Part, number][])
    .filter(([, weight]) => weight > 0)
    .map(([part, weight]) => ({ weight, arbitrary: fc.constant(part) }));
  return fc.oneof(
    { weight: 16, arbitrary: fc.oneof(...weighted).map((part) => [part]) },
    { weight: 3, arbitrary: fc.uniqueArray(fc.oneof(...weighted), { minLength: 2, maxLength: 3 }) },
    { weight: 1, arbitrary: fc.constant<Part[]>([]) },
  );
}

/** Requests for one operation. */
export function requestsFor(operation: Operation, values: SchemaValues): fc.Arbitrary<FuzzRequest> {
  const both = <T>(forms: Forms<T>) => fc.record({ valid: forms.valid, hostile: forms.hostile });
  return fc
    .record({
      spoilt: spoiltParts(operation),
      method: both(methodForms(operation)),
      path: both(pathForms(operation.template)),
      query: both(queryForms(operation.query, values)),
      headers: both(headerForms(operation.headers, values)),
      body: both(bodyForms(operation.body, values)),
      encoding: both(encodingForms),
    })
    .map((parts) => {
      const pick = <T>(part: Part, forms: { valid: T; hostile: T }) => (parts.spoilt.includes(part) ? forms.hostile : forms.valid);
      const method = pick('method', parts.method);
      const payload = pick('body', parts.body);
      const request: FuzzRequest = {
        operation: `${operation.method} ${operation.template}`,
        spoilt: parts.spoilt,
        method,
        path: pick('path', parts.path),
        query: pick('query', parts.query),
        headers: pick('headers', parts.headers),
        // fetch sends no body with GET or HEAD.
        body: payload === null || method === 'GET' || method === 'HEAD' ? null : encode(payload, pick('encoding', parts.encoding)),
      };
      return Object.assign(request, { [fc.toStringMethod]: () => describeRequest(request) });
    });
}

/** Requests for every operation, the more often the more fields it reads (body properties, query parameters). */
export function requestsForAll(operations: Operation[], values: SchemaValues): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    ...operations.map((operation) => ({
      weight:
        1 + (operation.body ? 2 + Math.min(12, values.propertyNames(operation.body).size) : 0) + Math.ceil(operation.query.length / 2),
      arbitrary: requestsFor(operation, values),
    })),
  );
}

// ---------------------------------------------------------------------------------------------
// Sending.

/** An error and its causes, in one line: fetch's own message says little ("fetch failed"). */
function causes(error: unknown): string {
  // Not `instanceof Error`: fetch's errors come from another realm than the test's.
  const cause = typeof error === 'object' && error !== null && 'cause' in error ? error.cause : undefined;
  return cause === undefined ? String(error) : `${String(error)} <- ${causes(cause)}`;
}

export interface FuzzAnswer {
  /** 0 when no answer came: `text` says why. */
  status: number;
  contentType: string | null;
  text: string;
  /** The request as sent, existing resources resolved. */
  sent: string;
}

/**
 * Sends the request, existing resources resolved by `resolve`. An event stream is closed as soon as
 * its headers arrive. A request that gets no answer (a reset connection, none within `timeoutMs`)
 * is sent once more (the client may have reused a connection the service was closing); if that
 * gets none either, the answer has status 0 and says why.
 */
export async function send(args: {
  base: string;
  request: FuzzRequest;
  resolve: (existing: Existing) => string;
  timeoutMs?: number;
  /** Sent with every request (credentials), under the request's own headers. */
  headers?: Record<string, string>;
}): Promise<FuzzAnswer> {
  const path = args.request.path.map((segment) => (isExisting(segment) ? encodeURIComponent(args.resolve(segment)) : segment));
  const url = `${args.base}/${path.join('/')}${args.request.query ? `?${args.request.query}` : ''}`;
  const sent = describeRequest(args.request, path);
  const request = args.headers ? { ...args.request, headers: { ...args.headers, ...args.request.headers } } : args.request;
  const first = await sendOnce(url, request, args.timeoutMs ?? 15_000);
  const answer = first.status === 0 ? await sendOnce(url, request, args.timeoutMs ?? 15_000) : first;
  return { ...answer, sent };
}

async function sendOnce(url: string, request: FuzzRequest, timeoutMs: number): Promise<Omit<FuzzAnswer, 'sent'>> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.body?.contentType != null) headers['Content-Type'] = request.body.contentType;
  if (request.body?.contentEncoding != null) headers['Content-Encoding'] = request.body.contentEncoding;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  try {
    const response = await fetch(url, {
      method: request.method,
      headers,
      body: request.body ? new Uint8Array(request.body.bytes) : undefined,
      redirect: 'manual',
      signal: controller.signal,
    });
    const contentType = response.headers.get('content-type');
    let text = '';
    if (contentType?.startsWith('text/event-stream')) controller.abort();
    else text = await response.text();
    return { status: response.status, contentType, text };
  } catch (error) {
    return { status: 0, contentType: null, text: `no answer: ${causes(error)}` };
  } finally {
    clearTimeout(timer);
  }
}
