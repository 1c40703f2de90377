import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { STANDARDS_TIME_ZONE } from '../../machines/index.js';
import { CONSISTENCY, type IndicatorDefinition } from './indicator-definitions.js';

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

// The period as instants: from the first day's midnight in Rome to the midnight after the last day,
// so that an index on occurred_at serves it ($1, $2: the days).
const IN_PERIOD = (column: string) =>
  `${column} >= ($1::date::timestamp AT TIME ZONE '${STANDARDS_TIME_ZONE}') AND ${column} < (($2::date + 1)::timestamp AT TIME ZONE '${STANDARDS_TIME_ZONE}')`;

// The event types that feed indicators, with their pathway, indicator and counting ($4-$7).
const FEEDS = `feeds AS (SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::text[]) AS f(pathway, type, indicator, counting))`;

/** The feeding (pathway, event type) pairs of some indicators, as the four arrays FEEDS unnests. */
function feedParams(definitions: IndicatorDefinition[]): string[][] {
  const rows = definitions.flatMap((d) => d.events.map((type) => [d.pathway, type, d.id, d.counting]));
  return [0, 1, 2, 3].map((i) => rows.map((r) => r[i]));
}

/** The indicators' statements' work_mem (SET LOCAL: their transaction only). */
export const WORK_MEM = '64MB';

const UUID_TEXT = `'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'`;

/**
 * The indicators' SQL: read-only, straight from the event log (case_events joined to cases), so an
 * act counts in the next request. Real cases only (never practice cases); a case's acts count for
 * the office the case is in now (cases.office_id). The period filter is on the act's date
 * (occurred_at, the event's `at`), served by IDX_case_events_type_occurred.
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
    return db.query(sql, params);
  }

  /**
   * The date indicators (2.2, 3.2, 6.4) over all the offices: distinct subjects by month of their date
   * (the act's day in Rome, or a payload date such as HIRED's contractStartDate) and over the period,
   * with the median of the days from the case's DID date to that date (acts of cases without a DID
   * left out of the median).
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
 * Each indicator's value per office and, with officeId null, over all of them. Built for an
 * index-only scan of the period's acts (type, occurred_at, case_id: no event row is read) hashed
 * against the cases (an index-only scan of IDX_cases_office_subject), then ONE pass of grouping sets
 * over the acts sorted by (indicator, office): each office's acts or distinct subjects, and the
 * distinct subjects over all the offices. The subjects are compared byte-wise (COLLATE "C": the same
 * distinct count as the column's collation, which is deterministic, at a fraction of the sorting
 * cost). (Hashing the acts to (office, indicator, subject) first, then aggregating that twice, took
 * twice as long at 1,000,000 events: docs/benchmarks.md.)
 */
export function countsQuery(scope: IndicatorScope, definitions: IndicatorDefinition[]): Query {
  return {
    sql: `WITH ${FEEDS}
       SELECT c.office_id AS "officeId", f.indicator,
              (CASE WHEN min(f.counting) = 'acts' THEN count(*) ELSE count(DISTINCT c.subject COLLATE "C") END)::int AS value
         FROM case_events e
         JOIN cases c ON c.id = e.case_id
         JOIN feeds f ON f.type = e.type AND f.pathway = c.pathway
        WHERE e.type = ANY($5::text[]) AND ${IN_PERIOD('e.occurred_at')}
          AND c.office_id = ANY($3::uuid[]) AND NOT c.practice
        GROUP BY GROUPING SETS ((f.indicator, c.office_id), (f.indicator))`,
    params: [scope.from, scope.to, scope.officeIds, ...feedParams(definitions)],
  };
}

/**
 * The date indicators by month and over the period, with the median days from the DID. One branch per
 * indicator, so that those dated by the act itself read only the index (type, occurred_at, case_id) and
 * only HIRED's rows are read for their payload date; then each act's case (its subject and DID date).
 */
export function dimensionsQuery(scope: IndicatorScope, definitions: IndicatorDefinition[]): Query {
  const params: unknown[] = [scope.from, scope.to, scope.officeIds];
  const param = (value: unknown) => `$${params.push(value)}`;
  const branches = definitions.flatMap((d) => {
    if (!d.dimension) return [];
    const day =
      d.dimension.kind === 'act'
        ? `(e.occurred_at AT TIME ZONE '${STANDARDS_TIME_ZONE}')::date`
        : `(e.payload->>${param(d.dimension.field)}::text)::date`;
    return [
      `SELECT ${param(d.id)}::text AS indicator, ${param(d.pathway)}::text AS pathway, e.case_id, ${day} AS day
         FROM case_events e
        WHERE e.type = ANY(${param(d.events)}::text[]) AND ${IN_PERIOD('e.occurred_at')}`,
    ];
  });
  return {
    sql: `WITH acts AS (${branches.join('\n        UNION ALL\n        ')}),
       dated AS (
         SELECT a.indicator, c.subject, a.day, (c.snapshot #>> '{context,did,date}')::date AS did
           FROM acts a
           JOIN cases c ON c.id = a.case_id AND c.pathway = a.pathway
          WHERE c.office_id = ANY($3::uuid[]) AND NOT c.practice
       )
       SELECT indicator, to_char(day, 'YYYY-MM') AS month, count(DISTINCT subject COLLATE "C")::int AS count,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY day - did) FILTER (WHERE did IS NOT NULL) AS median
         FROM dated
        GROUP BY GROUPING SETS ((indicator, to_char(day, 'YYYY-MM')), (indicator))`,
    params,
  };
}

/**
 * The 6.2 / 10.1 check in one statement: both counts, and the unmatched acts as a JSON array. An act
 * is matched by an act of the other side on the case it names, for the same vacancy, naming it back.
 * Acts pair one to one (the nth sending for a vacancy and employer case needs an nth put-forward for
 * it), whenever and wherever the counterpart was recorded.
 */
export function consistencyQuery(scope: IndicatorScope): Query {
  // Every act of each side, read once (one scan by type: their rows, for the payload; MATERIALIZED so
  // that the planner cannot look one office's acts up by case instead, which reads every event of each
  // of its cases: no index leads with (case_id, type); 1.4 s against 0.45 s for one office at 1,000,000
  // events); then each side's acts of the offices (their rank among the same case's acts for the same
  // vacancy and other case), hash-joined to the other side's acts counted by (case, vacancy, case it
  // names back).
  const all = (name: 'person' | 'employer') => {
    const own = CONSISTENCY[name];
    return `${name}_all AS MATERIALIZED (
         SELECT case_id, sequence, occurred_at, payload->>'vacancyId' AS vacancy, payload->>'${own.otherCaseField}' AS names
           FROM case_events WHERE type = '${own.type}'
       )`;
  };
  const side = (name: 'person' | 'employer', p: number) => {
    const other = name === 'person' ? 'employer' : 'person';
    return `${name} AS (
         SELECT e.case_id, e.sequence, e.occurred_at, e.vacancy,
                CASE WHEN e.names ~ ${UUID_TEXT} THEN e.names::uuid END AS other,
                ${IN_PERIOD('e.occurred_at')} AS in_period,
                row_number() OVER (PARTITION BY e.case_id, e.names, e.vacancy ORDER BY e.sequence) AS rank
           FROM ${name}_all e JOIN cases c ON c.id = e.case_id
          WHERE c.pathway = $${p} AND c.office_id = ANY($3::uuid[]) AND NOT c.practice
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
    sql: `WITH ${all('person')}, ${all('employer')}, ${side('person', 4)}, ${side('employer', 5)},
       unmatched AS (
         SELECT 'person' AS side, case_id, sequence, occurred_at, vacancy FROM person_checked WHERE NOT matched
         UNION ALL
         SELECT 'employer', case_id, sequence, occurred_at, vacancy FROM employer_checked WHERE NOT matched
       )
       SELECT (SELECT count(*) FROM person_checked)::int AS sent,
              (SELECT count(*) FROM employer_checked)::int AS "putForward",
              COALESCE((SELECT json_agg(json_build_object(
                         'side', side, 'caseId', case_id, 'sequence', sequence,
                         'at', to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'vacancyId', vacancy)
                         ORDER BY occurred_at, side DESC, case_id, sequence) FROM unmatched), '[]'::json) AS unmatched`,
    params: [scope.from, scope.to, scope.officeIds, 'person', 'employer'],
  };
}
