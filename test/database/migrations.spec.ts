import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IDEMPOTENCY_PRIMARY_KEY } from '../../src/cases/idempotency-key.entity.js';
import { CaseOffices1796400000000 } from '../../src/database/migrations/1796400000000-case-offices.js';
import { MIGRATIONS } from '../../src/database/migrations/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const primaryKeyOf = async (t: TestApp, table: string): Promise<string> =>
  (
    await t.dataSource.query<{ name: string }[]>(
      `SELECT conname AS name FROM pg_constraint WHERE contype = 'p' AND conrelid = (quote_ident(current_schema()) || '.' || $1)::regclass`,
      [table],
    )
  )[0]?.name;

/** Step 7's migrations (by class name): the tables and indexes each one makes, and the earlier indexes it drops. */
const STEP7: Record<string, { tables?: string[]; indexes?: string[]; drops?: string[] }> = {
  Deadlines1796510000000: { tables: ['case_deadlines'], indexes: ['IDX_case_deadlines_pending'] },
  Matches1796520000000: { tables: ['matches'], indexes: ['IDX_matches_employer', 'IDX_matches_person'] },
  Indicators1796530000000: { indexes: ['IDX_case_events_type_occurred', 'IDX_cases_office_subject'] },
  // Data only: the case_deadlines rows of cases opened before the deadlines were stored.
  DeadlinesBackfill1796540000000: {},
  Worklist1796550000000: { indexes: ['IDX_cases_worklist_assignee', 'IDX_cases_worklist_office'] },
  // The indicators read their facts, no longer the event log by type and date.
  IndicatorFacts1796560000000: {
    tables: ['indicator_facts', 'indicator_subjects'],
    indexes: ['IDX_indicator_facts_matching', 'IDX_indicator_facts_period', 'UQ_indicator_subjects_subject'],
    drops: ['IDX_case_events_type_occurred'],
  },
};

/** Cases as they were before Step 6: a free-text office, in two letter cases, or none. */
async function insertLegacyCases(t: TestApp): Promise<void> {
  for (const [subject, office] of [
    ['LEGACY-1', 'CPI Bologna'],
    ['LEGACY-2', 'cpi bologna'],
    ['LEGACY-3', null],
  ])
    await t.dataSource.query(
      `INSERT INTO cases (id, pathway, machine_version, subject, office, input, snapshot, status, state_paths, services, version, practice, created_at, updated_at)
       VALUES (gen_random_uuid(), 'person', '1', $1, $2, '{}', '{}', 'active', '{}', '{}', 1, false, now(), now())`,
      [subject, office],
    );
  // A person case with a DID (priority group) and a first A.3 session: its deadlines are backfilled.
  const snapshot = {
    status: 'active',
    value: 'open',
    context: {
      did: { date: '2026-01-31', group: 'priority' },
      services: { A3: { sessions: [{ at: '2026-03-10' }, { at: '2026-02-10' }] } },
      pai: { signedAt: null },
    },
  };
  await t.dataSource.query(
    `INSERT INTO cases (id, pathway, machine_version, subject, office, input, snapshot, status, state_paths, services, version, practice, created_at, updated_at)
     VALUES (gen_random_uuid(), 'person', '1', 'LEGACY-4', 'CPI Bologna', '{}', $1, 'active', '{}', '{}', 1, false, now(), now())`,
    [snapshot],
  );
}

describe('migrations', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('leave no drift between the entities and the migrated schema', async () => {
    const pending = await t.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  // The generator does not see a renamed primary key: this checks what the drift test cannot.
  it('give the constraints the code matches on the names the entities declare', async () => {
    expect(await primaryKeyOf(t, 'idempotency_keys')).toBe(IDEMPOTENCY_PRIMARY_KEY);
    expect(await primaryKeyOf(t, 'operators')).toBe('PK_operators');
  });

  it('keep usernames unique whatever the letter case', async () => {
    const insert = (id: string, username: string) =>
      t.dataSource.query(
        `INSERT INTO operators (id, username, name, kind, roles, created_at, updated_at) VALUES ($1, $2, 'x', 'person', '{}', now(), now())`,
        [id, username],
      );
    await insert('00000000-0000-4000-8000-00000000000a', 'Mario.Rossi');
    await expect(insert('00000000-0000-4000-8000-00000000000b', 'mario.rossi')).rejects.toThrow(/UQ_operators_username_lower/);
    await t.dataSource.query(`DELETE FROM operators WHERE id = '00000000-0000-4000-8000-00000000000a'`);
  });

  it('have run, and run again as a no-op (a restart or a second replica)', async () => {
    expect(await t.dataSource.showMigrations()).toBe(false);
    expect(await t.dataSource.runMigrations()).toEqual([]);
  });

  it('can be reverted and re-applied, one at a time', async () => {
    const indexes = async (names: string[]) =>
      (
        await t.dataSource.query<{ name: string }[]>(
          `SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ANY($1)`,
          [names],
        )
      )
        .map((r) => r.name)
        .sort();
    const tables = async () =>
      (
        await t.dataSource.query<{ name: string }[]>(
          `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name <> 'migrations' ORDER BY 1`,
        )
      ).map((r) => r.name);
    const before6 = ['case_events', 'cases', 'idempotency_keys', 'webhook_attempts', 'webhook_deliveries', 'webhook_subscriptions'];
    const identity = ['agencies', 'api_tokens', 'office_supervision', 'offices', 'operator_offices', 'operators', 'sessions'];
    const step6 = [...before6, ...identity, 'access_log'].sort();
    const all = [...step6, ...Object.values(STEP7).flatMap((m) => m.tables ?? [])].sort();
    expect(await tables()).toEqual(all);
    // Step 7's migrations, newest first: each one's down removes its tables and indexes, and only those.
    const downStep7 = async () => {
      let expected = all;
      for (const migration of [...MIGRATIONS.slice(MIGRATIONS.indexOf(CaseOffices1796400000000) + 1)].reverse()) {
        const made = STEP7[migration.name];
        expect({ migration: migration.name, known: made !== undefined }).toEqual({ migration: migration.name, known: true });
        expect(await indexes(made.indexes ?? [])).toEqual([...(made.indexes ?? [])].sort());
        expect(await indexes(made.drops ?? [])).toEqual([]);
        await t.dataSource.undoLastMigration();
        expected = expected.filter((name) => !(made.tables ?? []).includes(name));
        expect(await tables()).toEqual(expected);
        expect(await indexes(made.indexes ?? [])).toEqual([]);
        expect(await indexes(made.drops ?? [])).toEqual([...(made.drops ?? [])].sort());
      }
      expect(expected).toEqual(step6);
    };
    await downStep7();
    // Case offices: the free-text office comes back; going up again turns it into offices of the registry.
    await t.dataSource.undoLastMigration();
    await insertLegacyCases(t);
    await t.dataSource.runMigrations();
    const migrated = await t.dataSource.query<{ subject: string; office: string; agency: string; kind: string }[]>(
      `SELECT c.subject, lower(o.name) AS office, a.name AS agency, a.kind FROM cases c
         JOIN offices o ON o.id = c.office_id JOIN agencies a ON a.id = o.agency_id
        WHERE c.subject LIKE 'LEGACY-%' AND c.pathway = 'person' AND c.subject <> 'LEGACY-4' ORDER BY c.subject`,
    );
    // Dates as PostgreSQL's date + interval gives them: 31 January + 3 months is 30 April.
    expect(
      await t.dataSource.query(
        `SELECT d.deadline_id AS id, to_char(d.due_by, 'YYYY-MM-DD') AS "dueBy", d.state, d.met_at AS "metAt", to_char(c.next_due_by, 'YYYY-MM-DD') AS next
           FROM case_deadlines d JOIN cases c ON c.id = d.case_id WHERE c.subject = 'LEGACY-4' ORDER BY 1`,
      ),
    ).toEqual([
      { id: 'guidance_interview', dueBy: '2026-04-30', state: 'met', metAt: new Date('2026-02-10T00:00:00Z'), next: '2026-05-31' },
      { id: 'measure_proposal', dueBy: '2026-05-31', state: 'pending', metAt: null, next: '2026-05-31' },
    ]);
    // One office per name whatever the letter case: both Bologna cases in the same one.
    expect(
      new Set(
        (await t.dataSource.query<{ id: string }[]>(`SELECT office_id AS id FROM cases WHERE subject IN ('LEGACY-1', 'LEGACY-2')`)).map(
          (r) => r.id,
        ),
      ).size,
    ).toBe(1);
    expect(migrated).toEqual([
      { subject: 'LEGACY-1', office: 'cpi bologna', agency: 'Uffici importati', kind: 'cpi' },
      { subject: 'LEGACY-2', office: 'cpi bologna', agency: 'Uffici importati', kind: 'cpi' },
      { subject: 'LEGACY-3', office: 'sede non indicata', agency: 'Uffici importati', kind: 'cpi' },
    ]);
    await t.dataSource.query(`DELETE FROM case_deadlines WHERE case_id IN (SELECT id FROM cases WHERE subject LIKE 'LEGACY-%')`);
    await t.dataSource.query(`DELETE FROM cases WHERE subject LIKE 'LEGACY-%'`);
    await downStep7();
    await t.dataSource.undoLastMigration();
    expect(await tables()).toEqual(step6);
    await t.dataSource.undoLastMigration();
    expect(await tables()).toEqual([...before6, ...identity].sort());
    await t.dataSource.undoLastMigration();
    expect(await tables()).toEqual(before6);
    await t.dataSource.undoLastMigration();
    expect(await tables()).toEqual(before6);
    await t.dataSource.undoLastMigration();
    expect(await primaryKeyOf(t, 'idempotency_keys')).toBe('PK_15de2f76fa9f27ad8f330983607');
    await t.dataSource.undoLastMigration();
    expect(await tables()).toEqual(before6);
    await t.dataSource.undoLastMigration();
    expect(await tables()).toEqual(['case_events', 'cases', 'idempotency_keys']);
    await t.dataSource.undoLastMigration();
    expect(await tables()).toEqual([]);
    await t.dataSource.runMigrations();
    expect(await tables()).toEqual(all);
    const dropped = Object.values(STEP7).flatMap((m) => m.drops ?? []);
    const kept = Object.values(STEP7)
      .flatMap((m) => m.indexes ?? [])
      .filter((name) => !dropped.includes(name));
    expect(await indexes([...kept, ...dropped])).toEqual(kept.sort());
    expect((await t.dataSource.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
  });
});
