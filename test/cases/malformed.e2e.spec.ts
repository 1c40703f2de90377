import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { PATHWAYS, type FieldType, type PathwayName } from '../../machines/index.js';
import { parseDate } from '../../machines/payload.js';
import { ACT_DATE, DID_DATE, EMPLOYER_STAGES, NOW, SAMPLE_EVENTS } from '../../machines/testing/case-factory.js';
import { Clock } from '../../src/common/clock.js';
import { PROBLEMS, problemType } from '../../src/common/problem.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { signedInHeaders } from '../support/signed-in.js';
import { aTaxCode, isValidSubject, subjectFor } from '../support/subjects.js';

/**
 * 1,000 generated malformed requests: wrong types, missing fields, huge strings, unknown events,
 * bad ids, invalid JSON, wrong media types, deep nesting, __proto__ keys, junk headers, methods a
 * path does not take. Each is malformed by construction (checked below, independently of the
 * service); none may be a 5xx, every answer is a problem+json with a known code, and afterwards
 * no table and no case has changed by a byte.
 */

const SEED = 20_261_126;
const RUNS = 1000;
const CONCURRENCY = 8;

class FixedClock extends Clock {
  now(): Date {
    return new Date(NOW);
  }
}

// ---------------------------------------------------------------------------------------------
// What a legal request looks like, restated here so that the generators can promise the opposite
// without trusting the service's own validation.

const EVENT_TYPE = /^[A-Z][A-Z0-9_]{0,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ENVELOPE = ['type', 'at'];
const SERVICE_SET = ['operator', 'receivedAt'];
const CREATE_KEYS = ['pathway', 'subject', 'officeId', 'input'];
const QUERY_KEYS = ['pathway', 'status', 'state', 'service', 'serviceStatus', 'officeId', 'scope', 'subject', 'cursor', 'limit'];
const ALL_TYPES = new Set(Object.values(PATHWAYS).flatMap((p) => Object.keys(p.events)));
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether a value is one a field of this type accepts (null/undefined: absent). */
function accepted(type: FieldType, value: unknown): boolean {
  switch (type.kind) {
    case 'string':
      return typeof value === 'string' && value.trim() !== '' && value.length <= (type.maxLength ?? 2000);
    case 'date':
      return !Number.isNaN(parseDate(value));
    case 'integer':
      return Number.isInteger(value) && (value as number) >= type.min && (value as number) <= type.max;
    case 'boolean':
      return typeof value === 'boolean';
    case 'enum':
      return typeof value === 'string' && type.values.includes(value);
    case 'enumList':
      return Array.isArray(value) && value.every((v) => type.values.includes(v as string)) && new Set(value).size === value.length;
    case 'operator':
      return false;
  }
}

/** Why a body sent to POST /cases/:id/events can never be applied to a case of this pathway; null if it could be. */
function whyEventMalformed(text: string | undefined, pathway: PathwayName): string | null {
  if (text === undefined || text === '') return 'no body';
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (!isPlainObject(body)) return 'not an object';
  if (typeof body.type !== 'string' || !EVENT_TYPE.test(body.type)) return 'bad type';
  if (SERVICE_SET.some((k) => Object.hasOwn(body, k))) return 'operator or receivedAt';
  const spec = Object.hasOwn(PATHWAYS[pathway].events, body.type) ? PATHWAYS[pathway].events[body.type] : null;
  if (!spec) return 'unknown event';
  const names = [...ENVELOPE, ...spec.fields.map((f) => f.name)];
  if (Object.keys(body).some((k) => !names.includes(k))) return 'unknown field';
  if (body.at !== undefined && body.at !== null && Number.isNaN(parseDate(body.at))) return 'bad at';
  for (const field of spec.fields) {
    const value = body[field.name];
    if (value === undefined || value === null) {
      if (field.required) return `missing ${field.name}`;
    } else if (!accepted(field.type, value)) return `bad ${field.name}`;
  }
  return null;
}

/** Why a body sent to POST /cases can never open a case; null if it could. */
function whyCreateMalformed(text: string | undefined): string | null {
  if (text === undefined || text === '') return 'no body';
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (!isPlainObject(body)) return 'not an object';
  if (Object.keys(body).some((k) => !CREATE_KEYS.includes(k))) return 'unknown field';
  if (typeof body.pathway !== 'string' || !Object.hasOwn(PATHWAYS, body.pathway)) return 'bad pathway';
  const textOk = (v: unknown, max: number) => typeof v === 'string' && v.trim() !== '' && v.trim().length <= max;
  if (!textOk(body.subject, 200) || !isValidSubject(body.pathway, body.subject as string)) return 'bad subject';
  if (body.officeId !== undefined && !(typeof body.officeId === 'string' && UUID.test(body.officeId))) return 'bad officeId';
  if (body.input === undefined) return null;
  if (!isPlainObject(body.input)) return 'bad input';
  const fields = PATHWAYS[body.pathway as PathwayName].inputFields;
  for (const key of Object.keys(body.input)) {
    const field = fields.find((f) => f.name === key);
    if (!field) return 'unknown input field';
    const value = body.input[key];
    if (value !== null && !accepted(field.type, value)) return `bad input.${key}`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Generators.

/** A generated request; `{case}` in the path stands for the id of case `target`. */
interface Probe {
  family: string;
  method: string;
  path: string;
  target?: number;
  headers: Record<string, string>;
  body?: string;
}

/** The cases the requests aim at: their pathways, in the order beforeAll opens them. */
const TARGETS: { name: string; pathway: PathwayName }[] = [
  { name: 'person, just opened', pathway: 'person' },
  { name: 'person, patto signed', pathway: 'person' },
  { name: 'employer, patto signed', pathway: 'employer' },
  { name: 'person, withdrawn', pathway: 'person' },
];

const ascii = (max: number, min = 0) => fc.string({ minLength: min, maxLength: max });
const latin1 = fc.integer({ min: 0xa0, max: 0xff }).map((c) => String.fromCharCode(c));
const headerJunk = fc.oneof(ascii(40), fc.string({ unit: fc.oneof(latin1, fc.string({ minLength: 1, maxLength: 1 })), maxLength: 30 }));
const unicode = (max: number) => fc.string({ unit: 'grapheme', maxLength: max });
const notAPlainObject = fc.oneof(
  fc.constantFrom<unknown>(null, 0, -1, 1.5, true, false, '', 'PATTO_SIGNED', [], [{}]),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.integer(),
  ascii(20),
);
/** Any JSON value, __proto__ and friends included as keys. */
const anyJson = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.object({ maxDepth: 2, withNullPrototype: false }).map((o) => JSON.parse(JSON.stringify(o)) as unknown),
);
/** A length for huge strings: up to 72,000 bytes, a quarter of them over the 64 KiB limit. */
const HUGE = fc.oneof(fc.noBias(fc.integer({ min: 201, max: 60_000 })), fc.noBias(fc.integer({ min: 60_000, max: 72_000 })));
const sneakyKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '');

/** Sets an own property, even one named __proto__. */
function withKey<T extends Record<string, unknown>>(object: T, key: string, value: unknown): T {
  const copy = { ...object };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

const without = (object: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(object).filter(([k]) => k !== key));

/** A value no field of this type accepts (null is "absent", so never null). */
function invalidFor(type: FieldType): fc.Arbitrary<unknown> {
  const others = fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }), fc.constant({ value: 1 }));
  const pick = (() => {
    switch (type.kind) {
      case 'string':
        return fc.oneof(
          others,
          fc.constantFrom('', '   ', '\t'),
          fc.integer({ min: 1, max: 500 }).map((n) => 'x'.repeat((type.maxLength ?? 2000) + n)),
        );
      case 'date':
        return fc.oneof(others, fc.constantFrom('2026-02-30', '2026-13-01', '01/10/2026', 'yesterday', '2026-10-01T25:00Z', ''), ascii(12));
      case 'integer':
        return fc.oneof(fc.constantFrom<unknown>(type.min - 1, type.max + 1, 1.5, '30', 'x', true, [30]), fc.double({ noInteger: true }));
      case 'boolean':
        return fc.oneof(fc.constantFrom<unknown>('true', 'false', 0, 1, 'yes'), fc.array(fc.boolean(), { maxLength: 2 }));
      case 'enum':
        return fc.oneof(others, ascii(15));
      case 'enumList':
        return fc.oneof(
          fc.constantFrom<unknown>('disabled', ['nope'], [1], {}, true),
          fc.constant(type.values[0]).map((v) => [v, v]),
          fc.array(ascii(8), { minLength: 1, maxLength: 3 }),
        );
      case 'operator':
        return others;
    }
  })();
  return pick.filter((v) => v !== null && v !== undefined && !accepted(type, v));
}

/** A legal sample event of the pathway, dated as the factories date them. */
const sample = (pathway: PathwayName) => fc.constantFrom(...SAMPLE_EVENTS[pathway]).map((e) => ({ at: ACT_DATE, ...e }));

/** Turns valid JSON text into invalid JSON text. */
const breakJson = (text: string) =>
  fc
    .oneof(
      fc.integer({ min: 1, max: Math.max(1, text.length - 1) }).map((n) => text.slice(0, n)),
      fc.constantFrom(
        `${text}}`,
        `${text},`,
        `${text.slice(0, -1)},}`,
        text.replaceAll('"', "'"),
        `{${text}`,
        `${text.slice(0, -1)},"n":NaN}`,
        `${text.slice(0, -1)},"u":undefined}`,
        `/* c */${text}`,
        `${text}\n${text}`,
        text.replace(':', '='),
      ),
    )
    .filter((t) => {
      try {
        JSON.parse(t);
        return false;
      } catch {
        return true;
      }
    });

/** An event body that no case of the pathway can take, as JSON text, and what is wrong with it. */
function malformedEvent(pathway: PathwayName): fc.Arbitrary<{ kind: string; body: string }> {
  const events = PATHWAYS[pathway].events;
  const legal = sample(pathway);
  const fieldsOf = (type: string) => events[type].fields;
  const otherPathwayTypes = [...ALL_TYPES].filter((t) => !Object.hasOwn(events, t));
  const withFields = SAMPLE_EVENTS[pathway].filter((e) => fieldsOf(e.type).length > 0);
  const withRequired = withFields.filter((e) => fieldsOf(e.type).some((f) => f.required));
  const json = (kind: string, arb: fc.Arbitrary<unknown>) => arb.map((value) => ({ kind, body: JSON.stringify(value) }));

  const wrongTypedType = fc.oneof(
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string(), { maxLength: 2 }),
    fc.constant({ type: 'PATTO_SIGNED' }),
  );
  const notAnEventName = fc
    .oneof(
      unicode(70),
      fc.integer({ min: 65, max: 300 }).map((n) => 'A'.repeat(n)),
      legal.map((e) => e.type.toLowerCase()),
    )
    .filter((t) => !EVENT_TYPE.test(t));
  const unknownType = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,63}$/).filter((t) => !ALL_TYPES.has(t));
  const unknownField = fc
    .tuple(legal, fc.oneof(sneakyKey, unicode(20)), anyJson)
    .filter(([e, key]) => !ENVELOPE.includes(key) && !fieldsOf(e.type).some((f) => f.name === key));
  const badField = fc
    .constantFrom(...withFields)
    .chain((e) =>
      fc.constantFrom(...fieldsOf(e.type)).chain((f) => invalidFor(f.type).map((v) => withKey({ at: ACT_DATE, ...e }, f.name, v))),
    );
  const missingField = fc
    .constantFrom(...withRequired)
    .chain((e) => fc.constantFrom(...fieldsOf(e.type).filter((f) => f.required)).map((f) => without({ at: ACT_DATE, ...e }, f.name)));
  // Nesting built as text (a structure that deep could not be stringified), up to 68,000 bytes.
  const deep = fc.tuple(legal, fc.noBias(fc.integer({ min: 50, max: 34_000 })), fc.boolean()).map(([e, depth, arrays]) => {
    const levels = arrays ? depth : Math.ceil(depth / 3);
    const nested = arrays ? '['.repeat(levels) + ']'.repeat(levels) : '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
    return { kind: 'deep nesting', body: `${JSON.stringify(e).slice(0, -1)},"nested":${nested}}` };
  });
  const huge = fc
    .tuple(legal, HUGE, fc.boolean())
    .map(([e, n, asType]) => (asType ? { ...e, type: 'A'.repeat(n) } : { ...e, note: 'é'.repeat(n / 2) }));

  return fc.oneof(
    json('not an object', notAPlainObject),
    json('array of legal events', fc.array(legal, { minLength: 1, maxLength: 3 })),
    json(
      'type missing',
      legal.map((e) => without(e, 'type')),
    ),
    json(
      'type of the wrong type',
      fc.tuple(legal, wrongTypedType).map(([e, type]) => ({ ...e, type })),
    ),
    json(
      'type not an event name',
      fc.tuple(legal, notAnEventName).map(([e, type]) => ({ ...e, type })),
    ),
    json(
      'operator or receivedAt',
      fc.tuple(legal, fc.constantFrom(...SERVICE_SET), anyJson).map(([e, k, v]) => withKey(e, k, v)),
    ),
    json(
      'unknown event',
      unknownType.map((type) => ({ type, at: ACT_DATE })),
    ),
    json(
      'event of the other pathway',
      fc.constantFrom(...otherPathwayTypes).map((type) => ({ type, at: ACT_DATE })),
    ),
    json(
      'unknown field',
      unknownField.map(([e, k, v]) => withKey(e, k, v)),
    ),
    json(
      'bad at',
      fc.tuple(legal, invalidFor({ kind: 'date' })).map(([e, at]) => ({ ...e, at })),
    ),
    json('bad field', badField),
    json('required field missing', missingField),
    { weight: 2, arbitrary: deep },
    { weight: 2, arbitrary: json('huge string', huge) },
    legal.chain((e) => breakJson(JSON.stringify(e)).map((body) => ({ kind: 'invalid JSON', body }))),
  );
}

/** An opening body that cannot open a case, as JSON text. */
const malformedCreate: fc.Arbitrary<{ kind: string; body: string }> = (() => {
  const base = fc.record(
    {
      pathway: fc.constantFrom('person', 'employer'),
      // A tax code: valid for both pathways (a sole trader's for an employer).
      subject: aTaxCode,
      input: fc.constant({}),
    },
    { requiredKeys: ['pathway', 'subject'] },
  ) as fc.Arbitrary<Record<string, unknown>>;
  type Body = Record<string, unknown>;
  type Mutation = [string, fc.Arbitrary<(b: Body) => Body>];
  const set = (key: string, arb: fc.Arbitrary<unknown>) => arb.map((v) => (b: Body) => withKey(b, key, v));
  const unset = (key: string) => fc.constant((b: Body) => without(b, key));
  const wrongSubject = fc.oneof(
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom('', '   '),
    fc.array(fc.string(), { maxLength: 2 }),
    HUGE.map((n) => 's'.repeat(n)),
    // Neither a tax code nor a partita IVA: a check character that does not match, a code cut short, a number.
    aTaxCode.map((code) => code.slice(0, 15) + (code[15] === 'A' ? 'B' : 'A')),
    aTaxCode.map((code) => code.slice(0, 15)),
    fc.stringMatching(/^[A-Z0-9]{1,16}$/).filter((text) => !isValidSubject('employer', text)),
  );
  const wrongPathway = fc.oneof(
    fc.integer(),
    sneakyKey,
    unicode(20).filter((p) => !Object.hasOwn(PATHWAYS, p)),
    fc.constantFrom('Person', 'PERSON', ' person', 'people'),
  );
  const wrongOffice = fc.oneof(
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom('', '  ', 'CPI Bologna', '00000000-0000-0000-0000-00000000000'),
    fc.integer({ min: 101, max: 5000 }).map((n) => 'o'.repeat(n)),
  );
  const unknownKey = (known: string[]) => fc.oneof(sneakyKey, unicode(12)).filter((k) => !known.includes(k));
  const wrongInput = fc.oneof(
    fc.constantFrom<unknown>(
      { targets: ['nope'] },
      { targets: 'disabled' },
      { targets: ['disabled', 'disabled'] },
      { languageMediation: 'yes' },
      { colour: 'red' },
    ),
    fc.tuple(unknownKey(['targets', 'languageMediation']), anyJson).map(([k, v]) => withKey({}, k, v)),
  );
  const mutations: Mutation[] = [
    ['subject missing', unset('subject')],
    ['subject wrong', set('subject', wrongSubject)],
    ['pathway missing', unset('pathway')],
    ['pathway wrong', set('pathway', wrongPathway)],
    ['officeId wrong', set('officeId', wrongOffice)],
    [
      'unknown field',
      fc.tuple(unknownKey(CREATE_KEYS), anyJson).map(
        ([k, v]) =>
          (b: Body) =>
            withKey(b, k, v),
      ),
    ],
    ['input not an object', set('input', notAPlainObject)],
    // Only person cases have opening fields.
    ['input invalid', wrongInput.map((input) => (b: Body) => ({ ...b, pathway: 'person', input }))],
  ];
  const mutated = fc.tuple(base, fc.uniqueArray(fc.constantFrom(...mutations.keys()), { minLength: 1, maxLength: 3 })).chain(([b, picks]) =>
    fc.tuple(...picks.map((i) => mutations[i][1])).map((fns) => ({
      kind: picks.map((i) => mutations[i][0]).join(' + '),
      body: JSON.stringify(fns.reduce((acc, fn) => fn(acc), b)),
    })),
  );
  return fc.oneof(
    { weight: 6, arbitrary: mutated },
    { weight: 1, arbitrary: notAPlainObject.map((v) => ({ kind: 'not an object', body: JSON.stringify(v) })) },
    { weight: 1, arbitrary: base.chain((b) => breakJson(JSON.stringify(b))).map((body) => ({ kind: 'invalid JSON', body })) },
    // An event is not an opening: `type` is an unknown field of POST /cases.
    {
      weight: 1,
      arbitrary: sample('person').map((e) => ({
        kind: 'an event',
        body: JSON.stringify({ pathway: 'person', subject: 'RSSMRA80A01H501U', ...e }),
      })),
    },
  );
})();

/** Content types: mostly JSON (the body is malformed anyway), sometimes not JSON at all (415). */
const contentType = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/problem+json', 'APPLICATION/JSON'),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=zz',
      'application/xml',
      'text/json',
      'application/jsonx',
      'application/octet-stream',
      '',
      'application/json; charset=latin1',
    ),
  },
);

/** Optional header junk; `*` and stale ETags included, and the key stored at setup. */
const junkHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'If-Match': fc.oneof(headerJunk, fc.constantFrom('"1"', '"999"', '*', 'W/"2"', '"1", "2"', '"-1"', '"99999999999"', '1', '""')),
    'Idempotency-Key': fc.oneof(
      headerJunk,
      fc.integer({ min: 256, max: 400 }).map((n) => 'k'.repeat(n)),
      fc.constantFrom('setup-key', 'fuzz-1', 'fuzz-2', ''),
      fc.constant('setup-key'),
    ),
    'Accept-Language': fc.oneof(
      headerJunk,
      fc.constantFrom('en', 'it', 'fr;q=1, en;q=0.5', '*;q=0', 'en;q=abc', 'en;q=-1', ',,,', 'q=1', 'it-IT;q=0.9,en;q='),
    ),
    'X-Request-Id': headerJunk,
  },
  { requiredKeys: [] },
);

/** Credentials that authenticate nobody: refused with 401, whatever the route (but the open ones). */
const badCredentials: fc.Arbitrary<Record<string, string>> = fc.record({
  authorization: fc.oneof(
    headerJunk,
    fc.constantFrom('Bearer pct_nope', 'Bearer ', 'Basic YWRtaW46YWRtaW4=', 'bearer a.b.c', 'Bearer eyJhbGciOiJub25lIn0.e30.'),
  ),
});

/** Path segments that are not case ids (never a dot segment, which the client would resolve away). */
const badId = fc
  .oneof(
    unicode(40).map(encodeURIComponent),
    ascii(40).map(encodeURIComponent),
    fc.constantFrom(
      '%FF',
      '%E0%A4%A',
      '%',
      '%zz',
      '%00',
      '%2F',
      'a%2Fb',
      '%C0%AE%C0%AE',
      '%uFFFF',
      '..;',
      '...',
      'null',
      'undefined',
      '0',
      '-1',
    ),
    fc.constantFrom('%2e%2e%2fhealth', '..%2F..%2Fhealth', '..%5C..%5Chealth', '%252e%252e%252f'),
    fc.uuid().map((u) => u.replace(/[0-9a-f]$/, 'g')),
    fc.uuid().map((u) => u.replaceAll('-', '')),
    fc.uuid().map((u) => `{${u}}`),
    fc.uuid().map((u) => `${u}0`),
    fc.uuid().map((u) => u.slice(1)),
  )
  .filter((s) => s !== '' && !UUID.test(decodeSafe(s)) && !/^(\.|%2e){1,2}$/i.test(s));

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A query string for GET /cases that cannot be valid: one bad parameter at least, among others. */
const badListQuery: fc.Arbitrary<string> = (() => {
  const notIn = (values: string[]) => fc.oneof(unicode(12), sneakyKey).filter((v) => !values.includes(v));
  const goodLimit = (v: string) => /^\d{1,4}$/.test(v) && Number(v) >= 1 && Number(v) <= 200;
  const cursorOk = (c: string) => {
    const [createdAt, id] = Buffer.from(c, 'base64url').toString('utf8').split('|');
    return Boolean(id) && UUID.test(id) && !Number.isNaN(new Date(createdAt).getTime());
  };
  const badLimit = fc
    .oneof(fc.constantFrom('0', '201', '-1', '1.5', '', 'abc', '1e2', ' 5', '0x10'), fc.integer({ min: 201 }).map(String), unicode(6))
    .filter((v) => !goodLimit(v));
  const bad = fc
    .oneof(
      fc.tuple(notIn(['', ...QUERY_KEYS]), unicode(8)),
      fc.tuple(fc.constant('limit'), badLimit),
      fc.tuple(fc.constant('pathway'), notIn(Object.keys(PATHWAYS))),
      fc.tuple(fc.constant('status'), notIn(['active', 'done'])),
      fc.tuple(
        fc.constantFrom('subject', 'state'),
        fc.integer({ min: 201, max: 3000 }).map((n) => 'q'.repeat(n)),
      ),
      fc.tuple(
        fc.constant('cursor'),
        fc.oneof(ascii(30), fc.constant('')).filter((c) => !cursorOk(c)),
      ),
    )
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  const service = fc.constantFrom(
    'service=A2',
    'serviceStatus=active',
    'service=Z9&serviceStatus=active',
    'service=A2&serviceStatus=finished',
    'service=A2&service=A3&serviceStatus=active',
  );
  // Legal parameters (given twice they are no longer legal), and junk between them.
  const extra = fc
    .tuple(
      fc.constantFrom('pathway=person', 'status=active', 'limit=5', 'scope=all', 'state=open', 'subject=S'),
      fc.constantFrom('', '&%FF=1', '&a=%', '&&', '&='),
    )
    .map(([p, junk]) => p + junk);
  return fc
    .tuple(fc.oneof(bad, service), fc.array(extra, { maxLength: 3 }), fc.boolean())
    .map(([b, extras, first]) => (first ? [b, ...extras] : [...extras, b]).join('&'));
})();

/** Methods the client can send (fetch forbids CONNECT and TRACE). */
const METHODS = http.METHODS.filter((m) => !['CONNECT', 'TRACE'].includes(m));
/** The API's paths and the methods each takes (HEAD with GET). */
const ROUTES: [string, string[]][] = [
  ['/cases', ['GET', 'HEAD', 'POST']],
  ['/cases/{case}', ['GET', 'HEAD']],
  ['/cases/{case}/transitions', ['GET', 'HEAD']],
  ['/cases/{case}/events', ['POST']],
  ['/cases/{case}/history', ['GET', 'HEAD']],
  ['/pathways', ['GET', 'HEAD']],
  ['/pathways/person', ['GET', 'HEAD']],
  ['/health', ['GET', 'HEAD']],
];

const target = fc.integer({ min: 0, max: TARGETS.length - 1 });
const MALFORMED_EVENTS: Record<PathwayName, fc.Arbitrary<{ kind: string; body: string }>> = {
  person: malformedEvent('person'),
  employer: malformedEvent('employer'),
};
const JSON_TYPE = { 'content-type': 'application/json' };

/** A probe; a body goes with a JSON content type unless one is given. */
function probe(
  family: string,
  method: string,
  path: string,
  options: { target?: number; body?: string; headers?: Record<string, string> } = {},
): Probe {
  const bodyless = method === 'GET' || method === 'HEAD';
  return {
    family,
    method,
    path,
    target: options.target,
    headers: { ...(bodyless || options.body === undefined ? {} : JSON_TYPE), ...options.headers },
    body: bodyless ? undefined : options.body,
  };
}

const probes: fc.Arbitrary<Probe> = fc.oneof(
  {
    weight: 8,
    arbitrary: target.chain((i) =>
      fc
        .tuple(MALFORMED_EVENTS[TARGETS[i].pathway], contentType)
        .map(([e, type]) =>
          probe(`event: ${e.kind}`, 'POST', '/cases/{case}/events', { target: i, body: e.body, headers: { 'content-type': type } }),
        ),
    ),
  },
  {
    weight: 4,
    arbitrary: fc
      .tuple(malformedCreate, contentType)
      .map(([c, type]) => probe(`open: ${c.kind}`, 'POST', '/cases', { body: c.body, headers: { 'content-type': type } })),
  },
  {
    weight: 1,
    // An opening is not an event: it has no type.
    arbitrary: target.map((i) =>
      probe('event: an opening body', 'POST', '/cases/{case}/events', {
        target: i,
        body: JSON.stringify({ pathway: TARGETS[i].pathway, subject: 'RSSMRA80A01H501U' }),
      }),
    ),
  },
  { weight: 2, arbitrary: badListQuery.map((q) => probe('list: bad query', 'GET', `/cases?${q}`)) },
  {
    weight: 3,
    // A legal event sent to an id that is no case's is refused too: the id is checked first.
    arbitrary: fc
      .tuple(
        badId,
        fc.constantFrom('', '/transitions', '/history', '/events'),
        fc.oneof(
          MALFORMED_EVENTS.person.map((e) => e.body),
          sample('person').map((e) => JSON.stringify(e)),
        ),
      )
      .map(([id, suffix, body]) => probe(`bad id${suffix}`, suffix === '/events' ? 'POST' : 'GET', `/cases/${id}${suffix}`, { body })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.uuid(), fc.constantFrom('', '/transitions', '/history'))
      .map(([id, suffix]) => probe('unknown case', 'GET', `/cases/${id}${suffix}`)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        target,
        fc.constantFrom('after=-1', 'limit=0', 'limit=1001', 'after=x', 'page=2', 'after=1&after=2', 'limit=', '__proto__=1', 'after=1e3'),
      )
      .map(([i, q]) => probe('history: bad query', 'GET', `/cases/{case}/history?${q}`, { target: i })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        target,
        fc.constantFrom('/cases/{case}', '/cases/{case}/transitions', '/cases/{case}/history', '/cases', '/pathways/person'),
        badCredentials,
      )
      .map(([i, path, headers]) => probe('bad credentials', 'GET', path, { target: i, headers })),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(target, fc.constantFrom(...ROUTES), fc.constantFrom(...METHODS), MALFORMED_EVENTS.person)
      .filter(([, [, allowed], method]) => !allowed.includes(method))
      .map(([i, [path], method, e]) => probe('method not allowed', method, path, { target: i, body: e.body })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        target,
        fc.constantFrom(
          // (The root is the console's page: GET / answers it.)
          '/ui',
          '/case',
          '/cases/{case}/events/x',
          '/cases/{case}/history/1',
          '/pathways/person/x',
          '/docs/nothing.json',
          '/cases//events',
          '/%FF',
        ),
        fc.constantFrom('GET', 'POST', 'DELETE'),
      )
      .map(([i, path, method]) => probe('no such route', method, path, { target: i, body: '{"type":"X"}' })),
  },
);

/** Every probe, with optional header junk on top (which never makes a malformed request legal). */
const requests: fc.Arbitrary<Probe> = fc
  .tuple(
    probes,
    fc.oneof({ weight: 2, arbitrary: fc.constant({}) }, { weight: 3, arbitrary: junkHeaders }),
    fc.oneof(
      { weight: 19, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constantFrom('gzip', 'deflate', 'br', 'xyz', 'identity') },
    ),
  )
  .map(([probe, junk, encoding]) => {
    // A Content-Encoding the body does not have, now and then (it applies to a body only).
    const coded: Record<string, string> = encoding !== null && probe.body !== undefined ? { 'Content-Encoding': encoding } : {};
    return { ...probe, headers: { ...junk, ...coded, ...probe.headers } };
  });

// ---------------------------------------------------------------------------------------------

interface Answer {
  status: number;
  contentType: string | null;
  contentLanguage: string | null;
  text: string;
}

async function send(base: string, request: Probe, ids: string[]): Promise<Answer> {
  const path = request.target === undefined ? request.path : request.path.replaceAll('{case}', ids[request.target]);
  const headers = { ...signedInHeaders(base), ...request.headers };
  const response = await fetch(`${base}${path}`, { method: request.method, headers, body: request.body });
  const header = (name: string) => response.headers.get(name);
  return {
    status: response.status,
    contentType: header('content-type'),
    contentLanguage: header('content-language'),
    text: await response.text(),
  };
}

/** What is wrong with an answer to a malformed request: it must be a 4xx problem+json with a known code. */
function answerProblems(request: Probe, answer: Answer): string[] {
  const problems: string[] = [];
  if (answer.status < 400 || answer.status >= 500) problems.push(`status ${answer.status}`);
  if (!/^application\/problem\+json(;|$)/.test(answer.contentType ?? '')) problems.push(`content-type ${answer.contentType}`);
  if (!['it', 'en'].includes(answer.contentLanguage ?? '')) problems.push(`content-language ${answer.contentLanguage}`);
  if (request.method === 'HEAD') return problems; // no body
  let body: any;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return [...problems, 'body not JSON'];
  }
  const code = body?.code as keyof typeof PROBLEMS;
  if (!Object.hasOwn(PROBLEMS, code)) return [...problems, `code ${code}`];
  if (PROBLEMS[code].status !== answer.status || body.status !== answer.status) problems.push(`${code} with status ${answer.status}`);
  if (body.type !== problemType(code) || typeof body.title !== 'string' || typeof body.detail !== 'string')
    problems.push('problem members');
  return problems;
}

const describeRequest = (r: Probe) =>
  `[${r.family}] ${r.method} ${r.path.slice(0, 120)} ${JSON.stringify(r.headers).slice(0, 200)} ${(r.body ?? '').slice(0, 200)}`;

/** Runs tasks with at most `limit` in flight. */
async function pool<T, R>(items: T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

describe('1,000 malformed requests', () => {
  let t: TestApp;
  const ids: string[] = [];

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { ...JSON_TYPE, ...t.operator.headers, ...headers },
      body: JSON.stringify(body),
    });
    expect({ path, status: response.status }).toEqual({ path, status: path === '/cases' ? 201 : 200 });
    return (await response.json()) as { id: string };
  };

  /** Each case as GET returns it, byte for byte, and its history. */
  const rows = () =>
    Promise.all(
      ids.map(async (id) => {
        const auth = { headers: t.operator.headers };
        const [view, history] = await Promise.all([fetch(`${t.url}/cases/${id}`, auth), fetch(`${t.url}/cases/${id}/history`, auth)]);
        return { view: await view.text(), etag: view.headers.get('etag'), history: await history.text() };
      }),
    );

  beforeAll(async () => {
    t = await startTestApp({ clock: new FixedClock() });
    const walk = async (pathway: PathwayName, events: Record<string, unknown>[], key?: string) => {
      const { id } = await post('/cases', { pathway, subject: subjectFor(pathway) }, key ? { 'Idempotency-Key': `${key}-open` } : {});
      // The last event is sent with a key: requests that reuse it with another body are refused.
      for (const [n, event] of events.entries()) {
        await post(`/cases/${id}/events`, event, key && n === events.length - 1 ? { 'Idempotency-Key': key } : {});
      }
      ids.push(id);
    };
    await walk('person', []);
    await walk(
      'person',
      [
        { type: 'INTAKE_SESSION_HELD', mode: 'individual', minutes: 30, at: DID_DATE },
        { type: 'REGISTRY_UPDATED', at: DID_DATE },
        { type: 'DID_RECEIVED', didDate: DID_DATE, deadlineGroup: 'other', at: DID_DATE },
        { type: 'DID_CERTIFICATION_REQUESTED', at: DID_DATE },
        { type: 'PATTO_SIGNED', at: DID_DATE },
      ],
      'setup-key',
    );
    const employer = Object.values(EMPLOYER_STAGES).flat().slice(0, 7);
    expect(employer.at(-1)?.type).toBe('PATTO_SIGNED');
    await walk(
      'employer',
      employer.map((e) => ({ at: ACT_DATE, ...e })),
    );
    await walk('person', [{ type: 'WITHDRAWN', reason: 'Moved abroad', at: ACT_DATE }]);
  });
  afterAll(() => t.close());

  it('answers each with a 4xx problem+json of a known code, and changes nothing', async () => {
    const generated = fc.sample(requests, { seed: SEED, numRuns: RUNS });
    expect(generated).toHaveLength(RUNS);

    // Malformed by construction: say why, for every write to a case or to /cases, without asking the service.
    const unexplained = generated.filter((r) => {
      if (r.method !== 'POST') return false;
      if (r.path === '/cases') return whyCreateMalformed(r.body) === null;
      if (r.path === '/cases/{case}/events') return whyEventMalformed(r.body, TARGETS[r.target!].pathway) === null;
      return false; // a path that is no case's, or no route at all
    });
    expect(unexplained.map(describeRequest)).toEqual([]);
    expect(generated.filter((r) => Buffer.byteLength(r.body ?? '') > 64 * 1024).length).toBeGreaterThan(10);

    const counts = await t.counts();
    const before = await rows();

    const answers = await pool(generated, CONCURRENCY, (request) => send(t.url, request, ids));

    const applied = answers.filter((a, n) => !['GET', 'HEAD'].includes(generated[n].method) && a.status < 300);
    expect(applied).toEqual([]);
    const failures = answers.flatMap((answer, n) => {
      const problems = answerProblems(generated[n], answer);
      return problems.length > 0 ? [`${problems.join(', ')} <- ${describeRequest(generated[n])} => ${answer.text.slice(0, 300)}`] : [];
    });
    expect(failures.slice(0, 10)).toEqual([]);

    // The generators reach every class of refusal a request can earn.
    const codes = new Set(
      answers.filter((_, n) => generated[n].method !== 'HEAD').map((a) => (JSON.parse(a.text) as { code: string }).code),
    );
    expect([...codes]).toEqual(
      expect.arrayContaining([
        'CASE_NOT_FOUND',
        'IDEMPOTENCY_KEY_REUSED',
        'MALFORMED_JSON',
        'METHOD_NOT_ALLOWED',
        'PAYLOAD_TOO_LARGE',
        'ROUTE_NOT_FOUND',
        'TRANSITION_NOT_ALLOWED',
        'UNSUPPORTED_MEDIA_TYPE',
        'VALIDATION_FAILED',
        'VERSION_CONFLICT',
      ]),
    );

    expect(await t.counts()).toEqual(counts);
    expect(await rows()).toEqual(before);
  });

  // Found by the run above: the idempotency hash walked the body recursively and overflowed the stack (a 500).
  it('answers a body nested 30,000 levels deep with a 400, with or without an Idempotency-Key', async () => {
    const counts = await t.counts();
    const nested = '['.repeat(30_000) + ']'.repeat(30_000);
    const bodies: [string, string][] = [
      [`/cases/${ids[1]}/events`, `{"type":"GUIDANCE_SESSION_HELD","mode":"individual","minutes":60,"nested":${nested}}`],
      ['/cases', `{"pathway":"person","subject":"RSSMRA80A01H501U","input":{"targets":${nested}}}`],
    ];
    for (const [path, body] of bodies) {
      for (const key of [{}, { 'Idempotency-Key': 'deep-1' }] as Record<string, string>[]) {
        const response = await fetch(`${t.url}${path}`, { method: 'POST', headers: { ...JSON_TYPE, ...t.operator.headers, ...key }, body });
        const { code } = (await response.json()) as { code: string };
        expect({ path, key, status: response.status, code }).toEqual({ path, key, status: 400, code: 'VALIDATION_FAILED' });
      }
    }
    expect(await t.counts()).toEqual(counts);
  });
});
