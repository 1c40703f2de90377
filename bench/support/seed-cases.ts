/**
 * Seeding for the benchmarks: copies of one case opened through the API, made in SQL (so that the
 * seeding does not go through the service, nor queue webhook deliveries).
 */
import type pg from 'pg';

/** Clones the template case (and its CASE_OPENED event) `count` times; returns the new ids. */
export async function cloneCases(admin: pg.Client, templateId: string, count: number, tag: string): Promise<string[]> {
  const { rows } = await admin.query<{ id: string }>(
    `WITH cloned AS (
       INSERT INTO cases (id, pathway, machine_version, subject, office_id, assignee_id, practice, input, snapshot, status, state_paths, services, version, created_at, updated_at)
       SELECT gen_random_uuid(), pathway, machine_version, subject || '-' || $3 || '-' || g, office_id, assignee_id, practice, input, snapshot, status, state_paths, services, 1, now(), now()
       FROM cases, generate_series(1, $2::int) AS g WHERE id = $1
       RETURNING id
     ), opened AS (
       INSERT INTO case_events (id, case_id, sequence, type, payload, state_before, state_after, services_after, actor, occurred_at, recorded_at, idempotency_key)
       SELECT gen_random_uuid(), c.id, 1, e.type, e.payload, NULL, e.state_after, e.services_after, e.actor, e.occurred_at, now(), NULL
       FROM cloned c, case_events e WHERE e.case_id = $1
     )
     SELECT id FROM cloned`,
    [templateId, count, tag],
  );
  return rows.map((r) => r.id);
}
