/**
 * Cases for the worklist's plan test and benchmark, made in SQL (generate_series): offices, operators,
 * and `count` cases spread over them with their deadlines, as the service would have written them.
 *
 * Case g (1..count), each property from its own hash of g, so that the spreads are independent:
 * - office: offices[g mod offices];
 * - 10% closed (status done), 2% practice cases; the rest active and real;
 * - 60% assigned, over the operators;
 * - 20% without a pending deadline (next_due_by null); the others due between 100 days ago and 299
 *   days ahead of `today` (a quarter overdue), with two rows in case_deadlines: the guidance interview,
 *   pending on next_due_by, and the measure proposal, pending 90 days later; each with the
 *   scheduler's notices already sent where due (approaching within 15 days, overdue past its day), as
 *   in a service that has been running: the scheduler finds nothing to send;
 * - created one second apart (newest: g = count), updated when created.
 */

/** Runs a statement and answers its rows (a DataSource's query, or a pg client's or PGlite's `.rows`). */
export type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

/** Offices of one new agency, and operators (with no office: only their ids matter here). */
export async function seedRegistry(query: Query, args: { offices: number; operators: number; tag: string }) {
  const rows = (await query(
    `WITH agency AS (
       INSERT INTO agencies (id, name, kind, created_at) VALUES (gen_random_uuid(), 'Seed ' || $3, 'cpi', now()) RETURNING id
     ), offices AS (
       INSERT INTO offices (id, agency_id, name, created_at)
       SELECT gen_random_uuid(), agency.id, 'Seed ' || $3 || ' ' || g, now() FROM agency, generate_series(1, $1::int) g RETURNING id
     ), operators AS (
       INSERT INTO operators (id, username, name, kind, roles, created_at, updated_at)
       SELECT gen_random_uuid(), 'seed.' || $3 || '.' || g, 'Seed', 'person', '{case_manager}', now(), now()
         FROM generate_series(1, $2::int) g RETURNING id
     )
     SELECT (SELECT array_agg(id::text ORDER BY id) FROM offices) AS offices, (SELECT array_agg(id::text ORDER BY id) FROM operators) AS operators`,
    [args.offices, args.operators, args.tag],
  )) as { offices: string[]; operators: string[] }[];
  return rows[0];
}

/**
 * `count` cases over `offices` and `operators` (see above), in batches; then VACUUM ANALYZE. The secondary
 * indexes of `cases` and `case_deadlines` are dropped during the load and made again from their own
 * definitions (pg_indexes) afterwards: building an index once is far quicker than growing it a row at a time.
 */
export async function seedCases(
  query: Query,
  args: { count: number; offices: string[]; operators: string[]; today: string; batch?: number },
): Promise<void> {
  const batch = args.batch ?? 100_000;
  const indexes = (await query(
    `SELECT i.indexname AS name, i.indexdef AS definition FROM pg_indexes i
      WHERE i.schemaname = current_schema() AND i.tablename IN ('cases', 'case_deadlines')
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
  )) as { name: string; definition: string }[];
  for (const index of indexes) await query(`DROP INDEX "${index.name}"`);
  for (let first = 1; first <= args.count; first += batch) {
    const last = Math.min(args.count, first + batch - 1);
    await query(
      `WITH spread AS (
         SELECT g, gen_random_uuid() AS id,
                ($3::uuid[])[1 + g % cardinality($3::uuid[])] AS office_id,
                CASE WHEN h.assigned % 5 < 3 THEN ($4::uuid[])[1 + h.assignee % cardinality($4::uuid[])] END AS assignee_id,
                CASE WHEN h.status % 10 = 0 THEN 'done' ELSE 'active' END AS status,
                h.practice % 50 = 0 AS practice,
                CASE WHEN h.due % 100 < 20 THEN NULL ELSE $5::date + (h.due % 400 - 100)::int END AS due
           FROM generate_series($1::int, $2::int) g,
                -- Independent spreads: one hash of g per property (hashint4 is PostgreSQL's own, stable).
                LATERAL (SELECT hashint4(g)::bigint & 2147483647 AS status, hashint4(-g)::bigint & 2147483647 AS practice,
                                hashint4(g + 1000000000)::bigint & 2147483647 AS assigned, hashint4(g + 2000000000)::bigint & 2147483647 AS assignee,
                                hashint4(g - 2000000000)::bigint & 2147483647 AS due) h
       ), inserted AS (
         INSERT INTO cases (id, pathway, machine_version, subject, office_id, assignee_id, input, snapshot, status, state_paths,
                            services, version, practice, next_due_by, created_at, updated_at)
         SELECT id, 'person', '1', 'SEED' || lpad(g::text, 12, '0'), office_id, assignee_id, '{}', '{}', status, '{open}',
                '{"A1": "completed", "A2": "active"}', 1, practice, due,
                timestamptz '2026-01-01' + g * interval '1 second', timestamptz '2026-01-01' + g * interval '1 second'
           FROM spread
       )
       INSERT INTO case_deadlines (case_id, deadline_id, due_by, state, approaching_at, overdue_at)
       SELECT id, d.deadline_id, due + d.offset_days, 'pending',
              CASE WHEN due + d.offset_days <= $5::date + 15 THEN $5::date::timestamptz END,
              CASE WHEN due + d.offset_days < $5::date THEN $5::date::timestamptz END
         FROM spread, (VALUES ('guidance_interview', 0), ('measure_proposal', 90)) AS d(deadline_id, offset_days)
        WHERE due IS NOT NULL`,
      [first, last, args.offices, args.operators, args.today],
    );
  }
  for (const index of indexes) await query(index.definition);
  // VACUUM too: the rows' hint bits and the visibility map set, as in a database that has been in
  // service (otherwise the first reads after the load write every page they touch).
  await query('VACUUM ANALYZE cases');
  await query('VACUUM ANALYZE case_deadlines');
}
