import type { DataSource } from 'typeorm';

/**
 * What the service has stored, in one query: the row count and a digest of the rows of every table
 * of its schema. Two equal snapshots: nothing was added, removed or changed.
 */
export type DatabaseSnapshot = Record<string, string>;

export class SnapshotTaker {
  private query: string | null = null;

  constructor(private readonly dataSource: DataSource) {}

  async take(): Promise<DatabaseSnapshot> {
    this.query ??= await this.build();
    const rows = await this.dataSource.query<{ name: string; value: string }[]>(this.query);
    return Object.fromEntries(rows.map((row) => [row.name, row.value]));
  }

  /** One SELECT per table, joined: the tables are read from the catalogue, so new tables are digested too. */
  private async build(): Promise<string> {
    const tables = await this.dataSource.query<{ name: string }[]>(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    if (!tables.some((t) => t.name === 'cases')) throw new Error('no table of cases in the current schema');
    return tables
      .map(({ name }) => {
        const table = `"${name.replaceAll('"', '""')}"`;
        const label = `'${name.replaceAll("'", "''")}'`;
        // A sum of 64-bit row hashes: any row added, removed or changed changes it, and no sort is needed.
        const digest = `count(*)::text || ' rows, hash ' || coalesce(sum(hashtextextended(t::text, 0)::numeric), 0)::text`;
        return `SELECT ${label} AS name, ${digest} AS value FROM ${table} t`;
      })
      .join('\nUNION ALL\n');
  }
}

/** The tables that differ, each with its value before and after. */
export function snapshotChanges(before: DatabaseSnapshot, after: DatabaseSnapshot): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((name) => before[name] !== after[name])
    .map((name) => `${name}: ${before[name]} -> ${after[name]}`);
}
