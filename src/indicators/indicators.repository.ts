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
   * The transaction's settings for the statements below: enough memory for their hash aggregates of a
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
 * against the cases (an index-only scan of IDX_cases_office_subject), then one hash aggregate to
 * (office, indicator, subject) with the number of acts; from it, each office's distinct subjects or
 * acts, and the distinct subjects over all the offices.
 */
export function countsQuery(scope: IndicatorScope, definitions: IndicatorDefinition[]): Query {
  return {
    sql: `WITH ${FEEDS},
       subjects AS MATERIALIZED (
         SELECT c.office_id, f.indicator, f.counting, c.subject, count(*) AS acts
           FROM case_events e
           JOIN cases c ON c.id = e.case_id
           JOIN feeds f ON f.type = e.type AND f.pathway = c.pathway
          WHERE e.type = ANY($5::text[]) AND ${IN_PERIOD('e.occurred_at')}
            AND c.office_id = ANY($3::uuid[]) AND NOT c.practice
          GROUP BY c.office_id, f.indicator, f.counting, c.subject
       )
       SELECT office_id AS "officeId", indicator,
              (CASE WHEN min(counting) = 'acts' THEN sum(acts) ELSE count(*) END)::int AS value
         FROM subjects GROUP BY office_id, indicator
       UNION ALL
       SELECT NULL, indicator, (CASE WHEN min(counting) = 'acts' THEN sum(acts) ELSE count(*) END)::int
         FROM (SELECT indicator, min(counting) AS counting, sum(acts) AS acts FROM subjects GROUP BY indicator, subject) s
        GROUP BY indicator`,
    params: [scope.from, scope.to, scope.officeIds, ...feedParams(definitions)],
  };
}

/** The date indicators by month and over the period, with the median days from the DID. */
export function dimensionsQuery(scope: IndicatorScope, definitions: IndicatorDefinition[]): Query {
  const dated = definitions.filter((d) => d.dimension);
  return {
    sql: `WITH ${FEEDS},
       fields AS (SELECT * FROM unnest($8::text[], $9::text[]) AS d(indicator, field)),
       dated AS (
         SELECT f.indicator, c.subject,
                CASE WHEN d.field = '' THEN (e.occurred_at AT TIME ZONE '${STANDARDS_TIME_ZONE}')::date
                     ELSE (e.payload->>d.field)::date END AS day,
                (c.snapshot #>> '{context,did,date}')::date AS did
           FROM case_events e
           JOIN cases c ON c.id = e.case_id
           JOIN feeds f ON f.type = e.type AND f.pathway = c.pathway
           JOIN fields d ON d.indicator = f.indicator
          WHERE e.type = ANY($5::text[]) AND ${IN_PERIOD('e.occurred_at')}
            AND c.office_id = ANY($3::uuid[]) AND NOT c.practice
       )
       SELECT indicator, to_char(day, 'YYYY-MM') AS month, count(DISTINCT subject)::int AS count,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY day - did) FILTER (WHERE did IS NOT NULL) AS median
         FROM dated
        GROUP BY GROUPING SETS ((indicator, to_char(day, 'YYYY-MM')), (indicator))`,
    params: [
      scope.from,
      scope.to,
      scope.officeIds,
      ...feedParams(dated),
      dated.map((d) => d.id),
      dated.map((d) => (d.dimension?.kind === 'payload' ? d.dimension.field : '')),
    ],
  };
}

/**
 * The 6.2 / 10.1 check in one statement: both counts, and the unmatched acts as a JSON array. An act
 * is matched by an act of the other side on the case it names, for the same vacancy, naming it back.
 * Acts pair one to one (the nth sending for a vacancy and employer case needs an nth put-forward for
 * it), whenever and wherever the counterpart was recorded.
 */
export function consistencyQuery(scope: IndicatorScope): Query {
  // Each side's acts of the offices (all of them: their rank among the same case's acts for the same
  // vacancy and other case), and every act of the other side, counted by (case, vacancy, case it names
  // back), hash-joined: one scan by type per side. (Looking the counterparts up by case instead reads
  // every event of each case named: no index leads with (case_id, type).)
  const side = (name: 'person' | 'employer', p: number) => {
    const own = CONSISTENCY[name];
    const other = CONSISTENCY[name === 'person' ? 'employer' : 'person'];
    return `${name} AS (
         SELECT e.case_id, e.sequence, e.occurred_at, e.payload->>'vacancyId' AS vacancy,
                CASE WHEN e.payload->>'${own.otherCaseField}' ~ ${UUID_TEXT} THEN (e.payload->>'${own.otherCaseField}')::uuid END AS other,
                ${IN_PERIOD('e.occurred_at')} AS in_period,
                row_number() OVER (PARTITION BY e.case_id, e.payload->>'${own.otherCaseField}', e.payload->>'vacancyId' ORDER BY e.sequence) AS rank
           FROM case_events e JOIN cases c ON c.id = e.case_id
          WHERE e.type = '${own.type}' AND c.pathway = $${p} AND c.office_id = ANY($3::uuid[]) AND NOT c.practice
       ),
       ${name}_counterparts AS (
         SELECT case_id, payload->>'vacancyId' AS vacancy, lower(payload->>'${other.otherCaseField}') AS names, count(*) AS n
           FROM case_events WHERE type = '${other.type}'
          GROUP BY 1, 2, 3
       ),
       ${name}_checked AS (
         SELECT s.*, COALESCE(o.n, 0) >= s.rank AS matched
           FROM ${name} s
           LEFT JOIN ${name}_counterparts o ON o.case_id = s.other AND o.vacancy = s.vacancy AND o.names = s.case_id::text
          WHERE s.in_period
       )`;
  };
  return {
    sql: `WITH ${side('person', 4)}, ${side('employer', 5)},
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
