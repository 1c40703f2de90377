import { LIMITS, type Text } from './repertory.js';

/** The shape of one payload field, as data: validation, docs and the inspector's forms read it. */
export type FieldType =
  /** Free text, unless `identifier`: a reference to something (a vacancy, a case, an operator), not words about a person. */
  | { kind: 'string'; maxLength?: number; identifier?: true }
  | { kind: 'date' }
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'enumList'; values: readonly string[] }
  | { kind: 'operator' };

/** Whether a field holds free text (words someone wrote, possibly about a person), rather than a value from a closed set or an identifier. */
export const isFreeText = (type: FieldType): boolean => type.kind === 'string' && type.identifier !== true;

export interface FieldSpec {
  name: string;
  type: FieldType;
  required: boolean;
  description: Text;
}

export type FieldProblemKind = 'required' | 'type' | 'range' | 'enum' | 'format' | 'unknown';

export interface FieldProblem {
  field: string;
  problem: FieldProblemKind;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Milliseconds since the epoch of an ISO date or date-time, or NaN when it is not one. */
export function parseDate(value: unknown): number {
  if (typeof value !== 'string' || !ISO_DATE.test(value)) return Number.NaN;
  // Date.parse rolls 2026-02-31 over to 3 March: check the calendar day first.
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return Number.NaN;
  return Date.parse(value);
}

function checkField(spec: FieldSpec, value: unknown): FieldProblemKind | null {
  const t = spec.type;
  switch (t.kind) {
    case 'string':
      if (typeof value !== 'string') return 'type';
      if (value.trim().length === 0) return 'required';
      return value.length > (t.maxLength ?? LIMITS.maxTextLength) ? 'range' : null;
    case 'date':
      if (typeof value !== 'string') return 'type';
      return Number.isNaN(parseDate(value)) ? 'format' : null;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return 'type';
      return value < t.min || value > t.max ? 'range' : null;
    case 'boolean':
      return typeof value === 'boolean' ? null : 'type';
    case 'enum':
      if (typeof value !== 'string') return 'type';
      return t.values.includes(value) ? null : 'enum';
    case 'enumList':
      if (!Array.isArray(value)) return 'type';
      if (!value.every((v) => typeof v === 'string' && t.values.includes(v))) return 'enum';
      return new Set(value).size === value.length ? null : 'format';
    case 'operator': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'type';
      const op = value as Record<string, unknown>;
      if (typeof op.id !== 'string' || op.id.trim() === '') return 'required';
      return op.kind === 'cpi' || op.kind === 'accredited' ? null : 'enum';
    }
  }
}

/**
 * Every problem of a payload against its fields: missing, wrong-typed, out of range, and
 * unknown fields (a misspelt field would otherwise be silently ignored). `ignored` names
 * fields that belong to the envelope rather than the payload.
 */
export function validatePayload(fields: readonly FieldSpec[], payload: unknown, ignored: readonly string[] = []): FieldProblem[] {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return [{ field: '(payload)', problem: 'type' }];
  }
  const record = payload as Record<string, unknown>;
  const problems: FieldProblem[] = [];
  for (const spec of fields) {
    const value = record[spec.name];
    if (value === undefined || value === null) {
      if (spec.required) problems.push({ field: spec.name, problem: 'required' });
      continue;
    }
    const problem = checkField(spec, value);
    if (problem) problems.push({ field: spec.name, problem });
  }
  const known = new Set([...fields.map((f) => f.name), ...ignored]);
  for (const key of Object.keys(record)) {
    if (!known.has(key)) problems.push({ field: key, problem: 'unknown' });
  }
  return problems;
}

function expectation(type: FieldType): Text {
  switch (type.kind) {
    case 'string':
      return { it: 'un testo non vuoto', en: 'a non-empty text' };
    case 'date':
      return { it: 'una data ISO 8601 (AAAA-MM-GG)', en: 'an ISO 8601 date (YYYY-MM-DD)' };
    case 'integer':
      return {
        it: `un numero intero tra ${type.min} e ${type.max}`,
        en: `a whole number between ${type.min} and ${type.max}`,
      };
    case 'boolean':
      return { it: 'vero o falso', en: 'true or false' };
    case 'enum':
      return { it: `uno tra: ${type.values.join(', ')}`, en: `one of: ${type.values.join(', ')}` };
    case 'enumList':
      return {
        it: `un elenco senza ripetizioni di: ${type.values.join(', ')}`,
        en: `a list without repeats of: ${type.values.join(', ')}`,
      };
    case 'operator':
      return {
        it: "l'operatore che agisce, {id, kind: cpi | accredited}",
        en: 'the acting operator, {id, kind: cpi | accredited}',
      };
  }
}

/** A field problem as a short phrase in both languages, for a case manager. */
export function describeProblem(fields: readonly FieldSpec[], p: FieldProblem): Text {
  if (p.problem === 'unknown') {
    return { it: `${p.field}: campo non previsto`, en: `${p.field}: unexpected field` };
  }
  const spec = fields.find((f) => f.name === p.field);
  if (!spec) return { it: `${p.field}: non valido`, en: `${p.field}: invalid` };
  const expected = expectation(spec.type);
  if (p.problem === 'required') {
    return { it: `${p.field}: obbligatorio, ${expected.it}`, en: `${p.field}: required, ${expected.en}` };
  }
  return { it: `${p.field}: deve essere ${expected.it}`, en: `${p.field}: must be ${expected.en}` };
}

/** A field problem with its phrase, as a refusal lists it. */
export interface DescribedProblem extends FieldProblem {
  message: Text;
}

/** Validates a payload and describes every problem: one phrase per field, and all of them joined. */
export function payloadReport(
  fields: readonly FieldSpec[],
  payload: unknown,
  ignored: readonly string[] = [],
): { problems: DescribedProblem[]; summary: Text } {
  const problems = validatePayload(fields, payload, ignored).map((p) => ({ ...p, message: describeProblem(fields, p) }));
  return {
    problems,
    summary: { it: problems.map((p) => p.message.it).join('; '), en: problems.map((p) => p.message.en).join('; ') },
  };
}
