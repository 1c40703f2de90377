import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CONSISTENCY, type IndicatorDefinition } from '../../machines/indicator-definitions.js';

/** What every query reads: the period (Europe/Rome days, both inclusive) and the offices. */
export interface IndicatorScope {
  from: string;
  to: string;
  officeIds: string[];
}

/** An indicator's value in one office, or (officeId null) over all the offices of the scope. */
export interface CountRow {
  officeId: string | null;
  indicator: string;
  value: number;
}

/** A date indicator's figures over all the offices: by month (month null: the whole period). */
export interface DimensionRow {
  indicator: string;
  month: string | null;
  count: number;
  medianDaysFromDid: number | null;
}

export interface UnmatchedAct {
  side: 'person' | 'employer';
  caseId: string;
  sequence: number;
  at: string;
  vacancyId: string | null;
}

export interface ConsistencyRow {
  sent: number;
  putForward: number;
  unmatched: UnmatchedAct[];
}

// The period: the act's day in Europe/Rome, both days inclusive ($1, $2).
const IN_PERIOD = (column: string) => `${column} BETWEEN $1::date AND $2::date`;

/** The indicators' statements' work_mem (SET LOCAL: their transaction only). */
export const WORK_MEM = '64MB';

const UUID_TEXT = `'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'`;

/**
 * The indicators' SQL: read-only, from `indicator_facts` (one row per act and indicator it feeds,
 * written in the statement that appends the event: machines/indicator-facts.ts), so an act
 * counts in the next request. Real cases only (practice cases have no facts); a case's acts count for
 * the office the case is in now (a transfer moves its facts). The period is the act's day in Rome.
 */
@Injectable()
export class IndicatorsRepository {
  /**
   * The transaction's settings for the statements below: enough memory for their sorts and hashes of a
   * year's acts (the default 4 MB spills them to disk), and no JIT compilation on PostgreSQL (it costs
   * more than it saves on these statements).
   */
  async prepare(db: EntityManager, kind: 'postgres' | 'embedded'): Promise<void> {
    await db.query(`SET LOCAL work_mem = '${WORK_MEM}'`);
    if (kind === 'postgres') await db.query('SET LOCAL jit = off');
  }

  /** Each indicator's value per office and over all the offices (distinct subjects across offices). */
  async counts(db: EntityManager, scope: IndicatorScope, definitions: IndicatorDefinition[]): Promise<CountRow[]> {
    if (definitions.length === 0 || scope.officeIds.length === 0) return [];
    const { sql, params } = countsQuery(scope, definitions);
    const rows: CountRow[] = await db.query(sql, params);
    // Over one office, its figures are the total (countsQuery leaves the total out).
    return scope.officeIds.length > 1 ? rows : [...rows, ...rows.map((r) => ({ ...r, officeId: null }))];
  }

  /**
   * The date indicators (2.2, 3.2, 6.4) over all the offices: distinct subjects by month of their date
   * (the act's day in Rome, or a payload date such as HIRED's contractStartDate) and over the period,
   * with the median of the days from the DID date in force when the act was recorded to that date
   * (acts without one left out of the median).
   */
  async dimensions(db: EntityManager, scope: IndicatorScope, definitions: IndicatorDefinition[]): Promise<DimensionRow[]> {
    if (!definitions.some((d) => d.dimension) || scope.officeIds.length === 0) return [];
    const { sql, params } = dimensionsQuery(scope, definitions);
    const rows: { indicator: string; month: string | null; count: number; median: number | null }[] = await db.query(sql, params);
    return rows.map((r) => ({
      indicator: r.indicator,
      month: r.month,
      count: r.count,
      medianDaysFromDid: r.median === null ? null : Number(r.median),
    }));
  }

  /**
   * The 6.2 / 10.1 check: the sending acts (person side) and the put-forward acts (employer side) of
   * the period and offices, and those without their counterpart on the other case.
   */
  async consistency(db: EntityManager, scope: IndicatorScope): Promise<ConsistencyRow> {
    if (scope.officeIds.length === 0) return { sent: 0, putForward: 0, unmatched: [] };
    const { sql, params } = consistencyQuery(scope);
    const [row]: { sent: number; putForward: number; unmatched: UnmatchedAct[] | string }[] = await db.query(sql, params);
    return {
      sent: row.sent,
      putForward: row.putForward,
      unmatched: typeof row.unmatched === 'string' ? (JSON.parse(row.unmatched) as UnmatchedAct[]) : row.unmatched,
    };
  }
}

/** A statement and its parameters (the benchmark EXPLAINs them). */
export interface Query {
  sql: string;
  params: unknown[];
}

/**
 * Each indicator's value per office and, with officeId null, over all of them: per (office,
 * indicator), then per indicator over the offices, the period's facts are one index-only range scan
 * of IDX_indicator_facts_period (office, indicator, day, with the subject's number), counted as acts
 * or as distinct subjects (a sort of a few thousand integers each). Over one office, the office's
 * figures are the total. (One pass of grouping sets over the period's facts sorted by indicator and
 * office took three times as long at 1,000,000 events: docs/benchmarks.md.)
 */
export function countsQuery(scope: IndicatorScope, definitions: IndicatorDefinition[]): Query {
  const counted = (offices: string) =>
    `SELECT CASE WHEN i.id = ANY($5::text[]) THEN count(*) ELSE count(DISTINCT f.subject_id) END
       FROM indicator_facts f WHERE f.office_id ${offices} AND f.indicator = i.id AND ${IN_PERIOD('f.day')}`;
  const total =
    scope.officeIds.length > 1
      ? `UNION ALL
       SELECT NULL, i.id, (${counted('= ANY($3::uuid[])')})::int FROM unnest($4::text[]) i(id)`
      : '';
  return {
    sql: `SELECT o.id AS "officeId", i.id AS indicator, (${counted('= o.id')})::int AS value
         FROM unnest($3::uuid[]) o(id) CROSS JOIN unnest($4::text[]) i(id)
       ${total}`,
    params: [
      scope.from,
      scope.to,
      scope.officeIds,
      definitions.map((d) => d.id),
      definitions.filter((d) => d.counting === 'acts').map((d) => d.id),
    ],
  };
}

/**
 * The date indicators by month and over the period, with the median days from the DID: their facts,
 * dated by the act's day or by the payload's date (HIRED's contractStartDate), each with the DID date
 * in force when it was recorded (facts without one left out of the median).
 */
export function dimensionsQuery(scope: IndicatorScope, definitions: IndicatorDefinition[]): Query {
  return {
    sql: `SELECT indicator, to_char(dated, 'YYYY-MM') AS month, count(DISTINCT subject_id)::int AS count,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY dated - did) FILTER (WHERE did IS NOT NULL) AS median
         FROM (SELECT f.indicator, f.subject_id, coalesce(f.dated, f.day) AS dated, f.did
                 FROM indicator_facts f
                WHERE f.office_id = ANY($3::uuid[]) AND f.indicator = ANY($4::text[]) AND ${IN_PERIOD('f.day')}) f
        GROUP BY GROUPING SETS ((indicator, to_char(dated, 'YYYY-MM')), (indicator))`,
    params: [scope.from, scope.to, scope.officeIds, definitions.filter((d) => d.dimension).map((d) => d.id)],
  };
}

/**
 * The 6.2 / 10.1 check in one statement: both counts, and the unmatched acts as a JSON array. An act
 * is matched by an act of the other side on the case it names, for the same vacancy, naming it back.
 * Acts pair one to one (the nth sending for a vacancy and employer case needs an nth put-forward for
 * it), whenever and wherever the counterpart was recorded (on a real case: practice acts have no facts).
 */
export function consistencyQuery(scope: IndicatorScope): Query {
  // Every act of each side (IDX_indicator_facts_matching, index-only: the counterparts are any
  // office's, any day's); then each side's acts of the offices (their rank among the same case's acts
  // for the same vacancy and other case), hash-joined to the other side's acts counted by (case,
  // vacancy, case it names back).
  const all = (name: 'person' | 'employer') => `${name}_all AS (
         SELECT case_id, sequence, office_id, day, vacancy, other_case AS names FROM indicator_facts WHERE indicator = '${CONSISTENCY[name].indicator}'
       )`;
  const side = (name: 'person' | 'employer') => {
    const other = name === 'person' ? 'employer' : 'person';
    return `${name} AS (
         SELECT e.case_id, e.sequence, e.vacancy,
                CASE WHEN e.names ~ ${UUID_TEXT} THEN e.names::uuid END AS other,
                ${IN_PERIOD('e.day')} AS in_period,
                row_number() OVER (PARTITION BY e.case_id, e.names, e.vacancy ORDER BY e.sequence) AS rank
           FROM ${name}_all e
          WHERE e.office_id = ANY($3::uuid[])
       ),
       ${name}_counterparts AS (
         SELECT case_id, vacancy, lower(names) AS names, count(*) AS n FROM ${other}_all GROUP BY 1, 2, 3
       ),
       ${name}_checked AS (
         SELECT s.*, COALESCE(o.n, 0) >= s.rank AS matched
           FROM ${name} s
           LEFT JOIN ${name}_counterparts o ON o.case_id = s.other AND o.vacancy = s.vacancy AND o.names = s.case_id::text
          WHERE s.in_period
       )`;
  };
  return {
    sql: `WITH ${all('person')}, ${all('employer')}, ${side('person')}, ${side('employer')},
       unmatched AS (
         SELECT u.side, u.case_id, u.sequence, e.occurred_at, u.vacancy
           FROM (SELECT 'person' AS side, case_id, sequence, vacancy FROM person_checked WHERE NOT matched
                 UNION ALL
                 SELECT 'employer', case_id, sequence, vacancy FROM employer_checked WHERE NOT matched) u
           JOIN case_events e ON e.case_id = u.case_id AND e.sequence = u.sequence
       )
       SELECT (SELECT count(*) FROM person_checked)::int AS sent,
              (SELECT count(*) FROM employer_checked)::int AS "putForward",
              COALESCE((SELECT json_agg(json_build_object(
                         'side', side, 'caseId', case_id, 'sequence', sequence,
                         'at', to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'vacancyId', vacancy)
                         ORDER BY occurred_at, side DESC, case_id, sequence) FROM unmatched), '[]'::json) AS unmatched`,
    params: [scope.from, scope.to, scope.officeIds],
  };
}
