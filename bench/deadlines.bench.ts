/**
 * The deadline scheduler's lag at 1,000 due deadlines:
 *   npm run bench:deadlines                                                   (embedded PGlite)
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:deadlines  (PostgreSQL)
 *
 * 1. Starts the service in this process (no HTTP traffic: the scheduler is called directly), on a
 *    fresh embedded data folder or, with DATABASE_URL, a fresh schema (both removed at the end),
 *    with its background scan off and a fixed clock.
 * 2. Seeds BENCH_CASES (default 1,000) person cases in SQL: a snapshot with a DID taken through
 *    the real engine, its CASE_OPENED event, and its two deadlines, rows as an event writes them.
 * 3. Scan 1: the clock on the day both deadlines are within the lead but not yet due: one
 *    DEADLINE_APPROACHING per deadline (2,000 events). Scan 2: after both due days: one
 *    DEADLINE_OVERDUE per deadline (2,000). Each scan is timed from its start until all of its
 *    events are committed (scanOnce returns after the last commit), then checked in SQL: every
 *    case's history gapless, each notice once.
 * Prints JSON: per scan, events, lag (ms), events/s; and the machine's facts.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { aPersonCase } from '../machines/testing/case-factory.js';
import { PATHWAYS, readCase } from '../machines/index.js';
import { createApp } from '../src/app.js';
import { deadlineWriteOf } from '../src/cases/case-deadlines.js';
import { DeadlineScheduler } from '../src/cases/deadline-scheduler.worker.js';
import { Clock } from '../src/common/clock.js';
import { loadConfig } from '../src/config/app-config.js';
import { Database } from '../src/database/database.js';
import { integer } from './support/bench-env.js';
import { machineFacts, round } from './support/measure.js';

const CASES = integer('BENCH_CASES', 1000);
const databaseUrl = process.env.DATABASE_URL?.trim() || null;
const SCHEMA = `bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

class BenchClock extends Clock {
  constructor(public at: Date) {
    super();
  }
  now(): Date {
    return this.at;
  }
}

async function main(): Promise<void> {
  const loadBefore = os.loadavg()[0];
  const dataDir = await mkdtemp(path.join(tmpdir(), 'percorsi-bench-'));
  // The DID of 1 September 2026 (PERSON_STAGES): guidance due 1 December, measure proposal 1 March 2027.
  const clock = new BenchClock(new Date('2026-09-02T08:00:00Z'));
  const config = loadConfig({
    PERCORSI_LOG_LEVEL: 'warn',
    PERCORSI_ADMIN_PASSWORD: 'bench-admin-password-1',
    PERCORSI_DEADLINE_SCAN_SECONDS: '0',
    PERCORSI_WEBHOOK_DISPATCH: 'false',
    PERCORSI_DATA_DIR: dataDir,
    // A 120-day lead: both deadlines of a case approach on one day (2 events per case in one scan).
    PERCORSI_DEADLINE_LEAD_DAYS: '120',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, PERCORSI_DB_SCHEMA: SCHEMA } : {}),
  });
  const app = await createApp({ config, clock });
  await app.init();
  try {
    const db = app.get(Database).dataSource;
    const snapshot = aPersonCase('intakeRecorded').snapshot;
    const state = readCase({ pathway: 'person', snapshot, now: clock.now() });
    const write = deadlineWriteOf(state.deadlines)!;
    const seedStarted = performance.now();
    await db.query(
      `WITH cloned AS (
         INSERT INTO cases (id, pathway, machine_version, subject, office_id, assignee_id, practice, input, snapshot, status, state_paths, services, version, created_at, updated_at, next_due_by)
         SELECT gen_random_uuid(), 'person', $2, 'BENCH-DEADLINE-' || g, NULL, NULL, false, '{}', $3, 'active', $4, $5, 1, $6, $6, $7
         FROM generate_series(1, $1::int) AS g
         RETURNING id
       ), opened AS (
         INSERT INTO case_events (id, case_id, sequence, type, payload, state_before, state_after, services_after, actor, occurred_at, recorded_at, idempotency_key)
         SELECT gen_random_uuid(), c.id, 1, 'CASE_OPENED', '{"type":"CASE_OPENED"}', NULL, $8, $5, '{"id":"bench","kind":"cpi"}', $6, $6, NULL FROM cloned c
       )
       INSERT INTO case_deadlines (case_id, deadline_id, due_by, state, met_at)
       SELECT c.id, d."deadlineId", d."dueBy", d.state, d."metAt"
       FROM cloned c, jsonb_to_recordset($9::jsonb) AS d("deadlineId" varchar, "dueBy" date, state varchar, "metAt" timestamptz)`,
      [
        CASES,
        PATHWAYS.person.version,
        state.snapshot,
        state.statePaths,
        state.services,
        clock.now(),
        write.nextDueBy,
        JSON.stringify(state.value),
        JSON.stringify(write.deadlines),
      ],
    );
    const seedMs = performance.now() - seedStarted;
    const scheduler = app.get(DeadlineScheduler);
    const scan = async (label: string, at: string) => {
      clock.at = new Date(at);
      const started = performance.now();
      const events = await scheduler.scanOnce();
      const lagMs = performance.now() - started;
      return { scan: label, clock: at, events, lagMs: round(lagMs), eventsPerSecond: round((events * 1000) / lagMs, 0) };
    };
    // Both within 120 days, neither due: 1 December and 1 March are 90 and 180 days after the DID.
    const approaching = await scan('approaching', '2026-11-05T08:00:00Z');
    const overdue = await scan('overdue', '2027-03-02T08:00:00Z');
    const [check] = await db.query<{ events: number; gaps: number; duplicates: number }[]>(
      `SELECT count(*)::int AS events,
              (SELECT count(*) FROM cases c WHERE c.version <> (SELECT count(*) FROM case_events e WHERE e.case_id = c.id))::int AS gaps,
              (SELECT count(*) FROM (SELECT case_id, type, payload->>'deadlineId' FROM case_events WHERE type LIKE 'DEADLINE_%' GROUP BY 1, 2, 3 HAVING count(*) > 1) d)::int AS duplicates
       FROM case_events WHERE type LIKE 'DEADLINE_%'`,
    );
    console.log(
      JSON.stringify(
        {
          database: databaseUrl ? 'postgresql' : 'embedded',
          cases: CASES,
          seedMs: round(seedMs),
          scans: [approaching, overdue],
          check,
          ...machineFacts(loadBefore),
        },
        null,
        2,
      ),
    );
    if (check.events !== 4 * CASES || check.gaps !== 0 || check.duplicates !== 0) process.exitCode = 1;
  } finally {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
    if (databaseUrl) {
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
      await admin.end();
    }
  }
}

await main();
