import { Inject, Injectable } from '@nestjs/common';
import type { Text } from '../../machines/index.js';
import { romeDay } from '../cases/case-deadlines.js';
import { Clock } from '../common/clock.js';
import { ProblemException } from '../common/problem.js';
import type { CaseAccess } from '../common/request-context.js';
import { Database } from '../database/database.js';
import { INDICATOR_DEFINITIONS, type Unit } from '../../machines/indicator-definitions.js';
import { checkPeriod, type IndicatorsQuery } from './indicators-requests.js';
import { IndicatorsRepository, type CountRow, type UnmatchedAct } from './indicators.repository.js';

export interface IndicatorValue {
  id: string;
  label: Text;
  unit: Unit;
  value: number;
  byMonth?: { month: string; count: number }[];
  medianDaysFromDid?: number | null;
}

/** GET /indicators' answer (DESIGN.md "Indicators"). */
export interface IndicatorsReport {
  from: string;
  to: string;
  officeIds: string[];
  indicators: IndicatorValue[];
  consistency: { '6.2': number; '10.1': number; unmatched: UnmatchedAct[] };
}

/** The report and each indicator's value per office (the CSV's rows). */
export interface IndicatorsResult {
  report: IndicatorsReport;
  perOffice: CountRow[];
}

/** The months of a period, YYYY-MM, first to last. */
export function monthsOf(from: string, to: string): string[] {
  const months: string[] = [];
  let [year, month] = [Number(from.slice(0, 4)), Number(from.slice(5, 7))];
  const last = to.slice(0, 7);
  for (;;) {
    const text = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
    if (text > last) return months;
    months.push(text);
    [year, month] = month === 12 ? [year + 1, 1] : [year, month + 1];
  }
}

/**
 * The region's indicators, computed per request from the event log (nothing cached, nothing
 * precomputed: an act recorded now counts in the next request). Three read-only statements in one
 * REPEATABLE READ transaction, so that they see the same log.
 */
@Injectable()
export class IndicatorsService {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(IndicatorsRepository) private readonly repository: IndicatorsRepository,
  ) {}

  async compute(query: IndicatorsQuery, access: CaseAccess): Promise<IndicatorsResult> {
    // Default: the calendar year to date, in Rome.
    const today = romeDay(this.clock.now());
    const to = query.to ?? (query.from && query.from > today ? query.from : today);
    const from = query.from ?? `${to.slice(0, 4)}-01-01`;
    checkPeriod(from, to);
    const officeIds = officesOf(query.officeId, access);
    const definitions = INDICATOR_DEFINITIONS.filter((d) => query.pathway === undefined || d.pathway === query.pathway);
    const scope = { from, to, officeIds };
    const { counts, dimensions, consistency } = await this.database.dataSource.transaction('REPEATABLE READ', async (db) => {
      await this.repository.prepare(db, this.database.kind);
      return {
        counts: await this.repository.counts(db, scope, definitions),
        dimensions: await this.repository.dimensions(db, scope, definitions),
        consistency: await this.repository.consistency(db, scope),
      };
    });
    const total = new Map(counts.filter((r) => r.officeId === null).map((r) => [r.indicator, r.value]));
    const months = monthsOf(from, to);
    const indicators = definitions.map((d): IndicatorValue => {
      const value: IndicatorValue = { id: d.id, label: d.label, unit: d.unit, value: total.get(d.id) ?? 0 };
      if (!d.dimension) return value;
      const rows = dimensions.filter((r) => r.indicator === d.id);
      const byMonth = new Map(months.map((m) => [m, 0]));
      // A date outside the period's months (a contract that starts after the hire was recorded) keeps its own month.
      for (const r of rows) if (r.month !== null) byMonth.set(r.month, r.count);
      return {
        ...value,
        byMonth: [...byMonth].sort(([a], [b]) => a.localeCompare(b)).map(([month, count]) => ({ month, count })),
        medianDaysFromDid: rows.find((r) => r.month === null)?.medianDaysFromDid ?? null,
      };
    });
    const perOffice = officeIds.flatMap((officeId) =>
      definitions.map((d) => ({
        officeId,
        indicator: d.id,
        value: counts.find((r) => r.officeId === officeId && r.indicator === d.id)?.value ?? 0,
      })),
    );
    return {
      report: {
        from,
        to,
        officeIds,
        indicators,
        consistency: { '6.2': consistency.sent, '10.1': consistency.putForward, unmatched: consistency.unmatched },
      },
      perOffice,
    };
  }
}

/** One office, which the reader must reach (403 otherwise), or every office in reach. */
function officesOf(officeId: string | undefined, access: CaseAccess): string[] {
  if (officeId === undefined) return [...access.officeIds].sort();
  if (access.officeIds.includes(officeId)) return [officeId];
  throw new ProblemException('FORBIDDEN', {
    it: `La sede ${officeId} non è tra quelle di cui si leggono gli indicatori.`,
    en: `Office ${officeId} is not one whose indicators the reader may read.`,
  });
}
