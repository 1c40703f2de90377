import { isPathwayName, type PathwayName } from '../../machines/index.js';
import { validationFailed, type FieldIssue } from '../common/problem.js';
import { queryReader, UUID } from '../common/request-parsing.js';

/** GET /indicators' query, parsed: the period's days are checked, the office's reach is not (the service's). */
export interface IndicatorsQuery {
  /** YYYY-MM-DD (Europe/Rome days, both inclusive); undefined: the default. */
  from: string | undefined;
  to: string | undefined;
  officeId: string | undefined;
  pathway: PathwayName | undefined;
  format: 'json' | 'csv' | undefined;
}

const KEYS = ['from', 'to', 'officeId', 'pathway', 'format'];
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether a YYYY-MM-DD is a day of the calendar (no 2026-02-30). */
export function isCalendarDay(text: string): boolean {
  const match = DAY.exec(text);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return year >= 1 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function parseIndicatorsQuery(query: Record<string, unknown>): IndicatorsQuery {
  const errors: FieldIssue[] = [];
  const one = queryReader(query, KEYS, errors);
  const day = (key: string): string | undefined => {
    const v = one(key);
    if (v !== undefined && !isCalendarDay(v)) {
      errors.push({ field: `query:${key}`, problem: 'format', message: { it: 'un giorno, AAAA-MM-GG', en: 'a day, YYYY-MM-DD' } });
      return undefined;
    }
    return v;
  };
  const [from, to] = [day('from'), day('to')];
  const officeText = one('officeId');
  if (officeText !== undefined && !UUID.test(officeText))
    errors.push({ field: 'query:officeId', problem: 'format', message: { it: 'un UUID', en: 'a UUID' } });
  const pathway = one('pathway');
  if (pathway !== undefined && !isPathwayName(pathway))
    errors.push({ field: 'query:pathway', problem: 'enum', message: { it: 'person oppure employer', en: 'person or employer' } });
  const format = one('format');
  if (format !== undefined && format !== 'json' && format !== 'csv')
    errors.push({ field: 'query:format', problem: 'enum', message: { it: 'json oppure csv', en: 'json or csv' } });
  if (errors.length > 0) throw validationFailed(errors);
  return {
    from,
    to,
    officeId: officeText?.toLowerCase(),
    pathway: pathway as PathwayName | undefined,
    format: format as 'json' | 'csv' | undefined,
  };
}

/** The period's checks once the defaults are in: from <= to, and at most MAX_YEARS long. */
export const MAX_PERIOD_YEARS = 10;

export function checkPeriod(from: string, to: string): void {
  const errors: FieldIssue[] = [];
  if (from > to)
    errors.push({
      field: 'query:from',
      problem: 'range',
      message: { it: `non dopo il giorno finale (${to})`, en: `not after the last day (${to})` },
    });
  else if (Number(to.slice(0, 4)) - Number(from.slice(0, 4)) > MAX_PERIOD_YEARS)
    errors.push({
      field: 'query:to',
      problem: 'range',
      message: { it: `un periodo di al massimo ${MAX_PERIOD_YEARS} anni`, en: `a period of at most ${MAX_PERIOD_YEARS} years` },
    });
  if (errors.length > 0) throw validationFailed(errors);
}
