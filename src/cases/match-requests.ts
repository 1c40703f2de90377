import { validationFailed, type FieldIssue } from '../common/problem.js';
import { objectBody, parseInstant, parseUuid } from '../common/request-parsing.js';
import { optionalUuid, text } from './case-requests.js';

/** Parsing of what clients send to /matches; everything that fails is a 400 VALIDATION_FAILED listing each field. */

export interface MatchRequest {
  personCaseId: string;
  employerCaseId: string;
  vacancyId: string;
  at: string;
}

export type OutcomeRequest =
  | { outcome: 'hired'; contractType: unknown; contractStartDate: unknown; at: string }
  | { outcome: 'not_selected'; feedback: string | null; at: string };

/** The vacancy's identifier: at most 100 characters, as both catalogues take it. */
const VACANCY_MAX = 100;
const FEEDBACK_MAX = 2000;

export const parseMatchId = (id: string): string => parseUuid(id, { it: 'l’id di un abbinamento è un UUID', en: 'a match id is a UUID' });

function requiredUuid(errors: FieldIssue[], field: string, value: unknown): string | undefined {
  if (value === undefined || value === null) {
    errors.push({ field, problem: 'required' });
    return undefined;
  }
  return optionalUuid(errors, field, value);
}

/** `at`: when the act happened, a date or a date-time with its zone (the machine checks it against the case). */
function instant(errors: FieldIssue[], value: unknown): string | undefined {
  if (value === undefined || value === null) errors.push({ field: 'at', problem: 'required' });
  else if (typeof value !== 'string' || parseInstant(value) === null)
    errors.push({
      field: 'at',
      problem: 'format',
      message: { it: 'una data ISO 8601, come 2026-10-01', en: 'an ISO 8601 date, such as 2026-10-01' },
    });
  else return value;
  return undefined;
}

/** POST /matches: `{personCaseId, employerCaseId, vacancyId, at}`. */
export function parseMatch(body: unknown): MatchRequest {
  const errors: FieldIssue[] = [];
  const fields = objectBody(body, ['personCaseId', 'employerCaseId', 'vacancyId', 'at'], errors);
  const personCaseId = requiredUuid(errors, 'personCaseId', fields.personCaseId);
  const employerCaseId = requiredUuid(errors, 'employerCaseId', fields.employerCaseId);
  const vacancyId = text(errors, 'vacancyId', fields.vacancyId, VACANCY_MAX, true);
  const at = instant(errors, fields.at);
  if (errors.length > 0) throw validationFailed(errors);
  return { personCaseId: personCaseId!, employerCaseId: employerCaseId!, vacancyId: vacancyId!, at: at! };
}

/**
 * POST /matches/:id/outcome: `{outcome: "hired", contractType, contractStartDate, at}` or
 * `{outcome: "not_selected", feedback?, at}`. The contract's values are the machine's to check
 * (the person catalogue's HIRED: contract types, a date).
 */
export function parseOutcome(body: unknown): OutcomeRequest {
  const errors: FieldIssue[] = [];
  const fields = objectBody(body, ['outcome', 'contractType', 'contractStartDate', 'feedback', 'at'], errors);
  const at = instant(errors, fields.at);
  const only = (field: string, outcome: string) =>
    errors.push({ field, problem: 'unknown', message: { it: `solo con outcome ${outcome}`, en: `only with outcome ${outcome}` } });
  if (fields.outcome === 'hired') {
    for (const field of ['contractType', 'contractStartDate']) if (fields[field] === undefined) errors.push({ field, problem: 'required' });
    if (fields.feedback !== undefined) only('feedback', 'not_selected');
    if (errors.length > 0) throw validationFailed(errors);
    return { outcome: 'hired', contractType: fields.contractType, contractStartDate: fields.contractStartDate, at: at! };
  }
  if (fields.outcome === 'not_selected') {
    for (const field of ['contractType', 'contractStartDate']) if (fields[field] !== undefined) only(field, 'hired');
    const feedback = text(errors, 'feedback', fields.feedback, FEEDBACK_MAX, false);
    if (errors.length > 0) throw validationFailed(errors);
    return { outcome: 'not_selected', feedback, at: at! };
  }
  errors.push(
    fields.outcome === undefined
      ? { field: 'outcome', problem: 'required' }
      : { field: 'outcome', problem: 'enum', message: { it: 'hired oppure not_selected', en: 'hired or not_selected' } },
  );
  throw validationFailed(errors);
}

/** GET /matches: exactly one of `personCaseId` and `employerCaseId`. */
export function parseMatchQuery(query: Record<string, unknown>): { side: 'person' | 'employer'; caseId: string } {
  const errors: FieldIssue[] = [];
  for (const key of Object.keys(query))
    if (key !== 'personCaseId' && key !== 'employerCaseId') errors.push({ field: `query:${key}`, problem: 'unknown' });
  const given = (['personCaseId', 'employerCaseId'] as const).filter((key) => query[key] !== undefined);
  if (given.length !== 1)
    errors.push({
      field: 'query:personCaseId',
      problem: 'required',
      message: { it: 'uno solo tra personCaseId ed employerCaseId', en: 'exactly one of personCaseId and employerCaseId' },
    });
  const key = given[0];
  const caseId = key ? optionalUuid(errors, `query:${key}`, typeof query[key] === 'string' ? query[key] : 0) : undefined;
  if (errors.length > 0) throw validationFailed(errors);
  return { side: key === 'personCaseId' ? 'person' : 'employer', caseId: caseId! };
}
