import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IDEMPOTENCY_PRIMARY_KEY } from '../../src/cases/idempotency-key.entity.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const primaryKeyOf = async (t: TestApp, table: string): Promise<string> =>
  (
    await t.dataSource.query<{ name: string }[]>(
      `SELECT conname AS name FROM pg_constraint WHERE contype = 'p' AND conrelid = (quote_ident(current_schema()) || '.' || $1)::regclass`,
      [table],
    )
  )[0]?.name;

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
    const tables = async () =>
      (
        await t.dataSource.query<{ name: string }[]>(
          `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name <> 'migrations' ORDER BY 1`,
        )
      ).map((r) => r.name);
    const before6 = ['case_events', 'cases', 'idempotency_keys', 'webhook_attempts', 'webhook_deliveries', 'webhook_subscriptions'];
    const identity = ['agencies', 'api_tokens', 'office_supervision', 'offices', 'operator_offices', 'operators', 'sessions'];
    const all = [...before6, ...identity, 'access_log'].sort();
    expect(await tables()).toEqual(all);
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
    expect((await t.dataSource.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
  });
});
