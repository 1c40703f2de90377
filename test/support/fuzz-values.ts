import fc from 'fast-check';

/**
 * Hostile values for the fuzz suite: text that PostgreSQL cannot store or that JSON and HTTP carry
 * badly, numbers past what JavaScript or the columns hold, dates at and beyond the ends of both
 * calendars, list cursors built from them, path segments that cannot be percent-decoded.
 */

// ---------------------------------------------------------------------------------------------
// JSON text with literals JSON.stringify cannot write.

/** JSON text kept as it is: `1e400`, `-0`, a 1,000-level nesting. toJsonText writes it verbatim. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** The JSON text of a value; RawJson parts are written as they are, own `__proto__` keys kept. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([key, child]) => `${JSON.stringify(key)}:${toJsonText(child)}`)
      .join(',')}}`;
  // JSON.stringify writes a lone surrogate as the escape "\ud800": the parser gives it back as is.
  return JSON.stringify(value) ?? 'null';
}

/** Sets an own property, even one named __proto__. */
export function withKey<T extends object>(object: T, key: string, value: unknown): T {
  const copy = { ...object };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Text.

const char = (code: number) => String.fromCharCode(code);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** C0 controls, DEL and C1 controls: U+0000 first, which PostgreSQL refuses in text and jsonb. */
export const CONTROL_CHARACTERS = [...range(0x00, 0x1f), 0x7f, ...range(0x80, 0x9f)].map(char);

/** Characters that need care: unpaired surrogates, separators, BOM, non-characters, bidi overrides. */
export const AWKWARD_CHARACTERS = [
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\ufffe',
  '\uffff',
  '\u202e',
  '\u200b',
  '\u{10ffff}',
  'e\u0301',
  '🇮🇹',
  '"',
  '\\',
];

const controlCharacter = fc.constantFrom(...CONTROL_CHARACTERS);
const lonelySurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map(char);
// U+0000 and unpaired surrogates first: PostgreSQL refuses them in text and jsonb.
const awkwardCharacter = fc.oneof(
  { weight: 4, arbitrary: fc.constant('\u0000') },
  { weight: 4, arbitrary: lonelySurrogate },
  { weight: 2, arbitrary: controlCharacter },
  { weight: 2, arbitrary: fc.constantFrom(...AWKWARD_CHARACTERS) },
);

/** Ordinary words, so that a value stays acceptable but for the character slipped into it. */
export const word = fc.stringMatching(/^[A-Z][a-z]{2,9}( [a-z]{2,9}){0,2}$/);

/** Strings other code would treat specially. */
const LOADED_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\\u0000',
  '%00',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  'true',
  '__proto__',
  'constructor',
  "'; DROP TABLE cases; --",
  '<script>alert(1)</script>',
  '+ADw-script+AD4-',
  '${7*7}',
  '../../etc/passwd',
];

/** A length from 1,000 to 70,000 characters: the 64 KiB body limit is in that range. */
const longLength = fc.noBias(fc.integer({ min: 1000, max: 70_000 }));

/**
 * Text of every kind: any code point (fast-check's 'binary' unit), any grapheme, controls and
 * unpaired surrogates alone or inside ordinary words, loaded strings, and very long strings.
 */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  {
    weight: 3,
    arbitrary: fc.string({ unit: fc.oneof(awkwardCharacter, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 12 }),
  },
  { weight: 10, arbitrary: fc.tuple(word, awkwardCharacter, word).map(([before, odd, after]) => `${before}${odd}${after}`) },
  { weight: 2, arbitrary: fc.constantFrom(...LOADED_STRINGS) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom('x', 'é', '😀', '\u0000', '\ud800'), longLength).map(([c, n]) => c.repeat(n / c.length)),
  },
);

// ---------------------------------------------------------------------------------------------
// Numbers.

/** Numbers as JSON text: out of double range (±Infinity when parsed), past 2^53, underflowing, -0. */
export const NUMBER_LITERALS = [
  '1e400',
  '-1e400',
  '1e-400',
  '-0',
  '-0.0',
  '9007199254740993',
  '-9007199254740993',
  '99999999999999999999999',
  '2147483648',
  '-2147483649',
  '9223372036854775808',
  '1.0',
  '1E2',
  '0.1e1',
  '5e-324',
  '1.7976931348623157e308',
];

/** Strings that look like numbers to a lenient parser. */
export const NUMBER_LIKE_STRINGS = [
  'NaN',
  'Infinity',
  '-Infinity',
  'nan',
  '1e400',
  '0x10',
  '1_000',
  ' 5',
  '5 ',
  '+5',
  '05',
  '1e3',
  '-0',
  '',
];

export const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NUMBER_LITERALS).map((text) => new RawJson(text)) },
  { weight: 1, arbitrary: fc.constantFrom(...NUMBER_LIKE_STRINGS) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 31, -(2 ** 31) - 1, 2 ** 63) },
);

// ---------------------------------------------------------------------------------------------
// Dates.

/**
 * Dates JavaScript may parse and PostgreSQL may not hold (timestamptz: 4713 BC to 294276 AD;
 * JavaScript: ±275,760 years around 1970), days no calendar has, a leap second.
 */
export const EXTREME_DATES = [
  '+275760-09-13T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '-271821-04-20T00:00:00Z',
  '-271821-04-20T00:00:00.000Z',
  '-004714-11-23T00:00:00Z',
  '-000001-01-01',
  '0000-01-01',
  '0000-01-01T00:00:00Z',
  '0001-01-01',
  '294277-01-01',
  '+294277-01-01T00:00:00Z',
  '10000-01-01',
  '+010000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '1969-12-31T23:59:59.999Z',
  '2024-02-30',
  '2023-02-29',
  '2024-13-01',
  '2024-00-10',
  '2024-12-31T23:59:60Z',
  '2024-01-01T24:00:00Z',
  '2024-01-01T00:00:00+99:99',
  '2024-01-01T00:00:00.1234567891Z',
  'infinity',
  '-infinity',
  'epoch',
  'Sat, 01 Jan 2000 00:00:00 GMT',
  '2000',
];

/** Any JavaScript date, written as toISOString writes it (six-digit years beyond 9999). */
const anyIsoDate = fc.date({ noInvalidDate: true }).map((d) => d.toISOString());

export const hostileDate: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EXTREME_DATES) },
  { weight: 2, arbitrary: anyIsoDate },
  { weight: 1, arbitrary: anyIsoDate.map((iso) => iso.slice(0, iso.indexOf('T'))) },
);

// ---------------------------------------------------------------------------------------------
// List cursors: base64url of `<createdAt ISO>|<id>`, as the service writes them.

export const cursorOf = (createdAt: string, id: string): string => Buffer.from(`${createdAt}|${id}`).toString('base64url');

export const hostileCursor: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(hostileDate, fc.uuid()).map(([date, id]) => cursorOf(date, id)) },
  { weight: 1, arbitrary: fc.tuple(hostileText, fc.uuid()).map(([date, id]) => cursorOf(date, id)) },
  { weight: 1, arbitrary: fc.tuple(anyIsoDate, hostileText).map(([date, id]) => cursorOf(date, id)) },
  { weight: 1, arbitrary: fc.base64String({ maxLength: 60 }) },
  { weight: 1, arbitrary: hostileText },
);

// ---------------------------------------------------------------------------------------------
// Percent-encoding, for paths and query strings.

/**
 * Percent-encodes every character but the unreserved ones, as UTF-8; an unpaired surrogate is
 * encoded as the three bytes a careless encoder writes (ED A0 80 for U+D800), which no UTF-8
 * decoder accepts.
 */
export function percentEncode(text: string): string {
  let out = '';
  for (const part of text.match(/[\ud800-\udbff][\udc00-\udfff]|[\s\S]/g) ?? []) {
    const unit = part.charCodeAt(0);
    if (part.length === 1 && unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    } else out += /^[A-Za-z0-9_.~-]$/.test(part) ? part : encodeURIComponent(part);
  }
  return out;
}

/** Escapes that do not decode: truncated, not hex, overlong or invalid UTF-8, %u (IIS) escapes, %00. */
export const UNDECODABLE_ESCAPES = [
  '%E0%A4%A',
  '%E0%A4',
  '%',
  '%%',
  '%zz',
  '%G0',
  '%FF',
  '%C0%AE',
  '%C0%80',
  '%ED%A0%80',
  '%F4%90%80%80',
  '%ud800',
  '%u0000',
  '%00',
  '%2F',
  '%252F',
  '%5C',
];

/** Path segments that are not ids: hostile text (encoded), undecodable escapes, near-UUIDs. */
export const hostileSegment: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 3, arbitrary: hostileText.map(percentEncode) },
    { weight: 3, arbitrary: fc.constantFrom(...UNDECODABLE_ESCAPES) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.uuid(), fc.constantFrom(...UNDECODABLE_ESCAPES)).map(([id, escape]) => `${id.slice(0, 30)}${escape}`),
    },
    { weight: 1, arbitrary: fc.uuid().map((id) => `${id}%00`) },
    { weight: 1, arbitrary: fc.uuid().map((id) => id.toUpperCase().replace(/.$/, 'G')) },
  )
  // Dot segments would be resolved away by the client; an empty segment is another path.
  .filter((segment) => segment !== '' && !/^(\.|%2e){1,2}$/i.test(segment));

/** A query value: hostile text, a number-like string, a date, a cursor, or an undecodable escape. */
export const hostileQueryValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: hostileText.map(percentEncode) },
  { weight: 1, arbitrary: fc.constantFrom(...NUMBER_LIKE_STRINGS, ...NUMBER_LITERALS).map(percentEncode) },
  { weight: 1, arbitrary: hostileDate.map(percentEncode) },
  { weight: 1, arbitrary: hostileCursor.map(percentEncode) },
  { weight: 1, arbitrary: fc.constantFrom(...UNDECODABLE_ESCAPES) },
);

// ---------------------------------------------------------------------------------------------
// Header values. Clients and Node's parser carry only tab, visible ASCII and bytes 0x80-0xFF in a
// header value (NUL, CR and LF are refused before the service sees them), so hostile text is sent
// as its UTF-8 bytes, one Latin-1 character per byte.

const HEADER_CHARACTER = /^[\t\x20-\x7e\x80-\xff]$/;

/** Text as a header value can carry it: its UTF-8 bytes as Latin-1 characters, NUL, CR, LF and controls dropped. */
export const asHeaderValue = (text: string) =>
  [...Buffer.from(text, 'utf8').toString('latin1')]
    .filter((c) => HEADER_CHARACTER.test(c))
    .join('')
    .trim();

/** Header values: hostile text as bytes, any Latin-1, number-like strings, and now and then more than Node reads (16 KiB). */
export const hostileHeaderValue: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 6, arbitrary: hostileText.map((text) => text.slice(0, 2000)) },
    { weight: 2, arbitrary: fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map(char), maxLength: 40 }) },
    { weight: 2, arbitrary: fc.constantFrom(...NUMBER_LIKE_STRINGS, ...NUMBER_LITERALS) },
    { weight: 1, arbitrary: fc.constantFrom(4000, 20_000).map((n) => 'k'.repeat(n)) },
  )
  .map(asHeaderValue);

// ---------------------------------------------------------------------------------------------
// JSON values.

/** Nesting as text, up to `maxDepth` levels: too deep for JSON.stringify to build as a value. */
export const deepJson = (maxDepth: number): fc.Arbitrary<RawJson> =>
  fc.tuple(fc.integer({ min: 2, max: maxDepth }), fc.constantFrom('array', 'object', 'mixed')).map(([depth, shape]) => {
    if (shape === 'array') return new RawJson('['.repeat(depth) + ']'.repeat(depth));
    if (shape === 'object') return new RawJson('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
    return new RawJson('[{"a":'.repeat(depth / 2) + 'null' + '}]'.repeat(depth / 2));
  });

/** An object or array wide enough to come close to the 64 KiB limit, or to pass it. */
export const wideJson: fc.Arbitrary<RawJson> = fc
  .tuple(fc.noBias(fc.integer({ min: 500, max: 9000 })), fc.boolean())
  .map(([n, asArray]) =>
    asArray
      ? new RawJson(`[${Array.from({ length: n }, (_, i) => i).join(',')}]`)
      : new RawJson(`{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`),
  );

/** Keys other code would treat specially. */
export const loadedKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '',
  '\u0000',
  '\ud800',
  'type',
);

/** Any JSON value fast-check makes, its strings of any code point. */
export const anyJsonValue: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' });

/** A value to put where a field was: any of the above, or another JSON type. */
export const hostileJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 12, arbitrary: hostileText },
  { weight: 3, arbitrary: hostileNumber },
  { weight: 3, arbitrary: hostileDate },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, [null], { '': null }) },
  { weight: 1, arbitrary: anyJsonValue },
  { weight: 1, arbitrary: fc.array(hostileText, { minLength: 1, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.tuple(loadedKey, hostileText).map(([key, value]) => withKey({}, key, value)) },
  { weight: 1, arbitrary: deepJson(1000) },
);
