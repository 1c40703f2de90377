import { stringify } from 'csv-stringify/sync';
import type { Language } from '../config/app-config.js';
import { INDICATOR_DEFINITIONS } from '../../machines/indicator-definitions.js';
import type { IndicatorsResult } from './indicators.service.js';

export const CSV_TYPE = 'text/csv; charset=utf-8';

/**
 * The indicators as a spreadsheet: one row per office and indicator, columns
 * officeId;indicator;label;value. Semicolons, because Italian Excel reads the comma as the decimal
 * separator and splits CSV files on ';'; UTF-8 with a byte order mark, so that it reads "N°" and the
 * accents as UTF-8. A date indicator's value is its count; its months and median stay in the JSON.
 */
export function indicatorsCsv(result: IndicatorsResult, language: Language): string {
  const labels = new Map(INDICATOR_DEFINITIONS.map((d) => [d.id, d.label[language]]));
  return stringify(
    result.perOffice.map((r) => [r.officeId, r.indicator, labels.get(r.indicator) ?? '', r.value]),
    { bom: true, delimiter: ';', header: true, columns: ['officeId', 'indicator', 'label', 'value'], record_delimiter: 'windows' },
  );
}
