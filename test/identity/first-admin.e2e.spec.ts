import { afterAll, describe, expect, it } from '@jest/globals';
import { FirstAdmin } from '../../src/identity/first-admin.js';
import { startService, type RunningService } from '../support/service-process.js';
import { client, newTestDatabase, startTestApp, type TestDatabase } from '../support/test-app.js';

const GENERATED = /created the operator admin with the generated password (\S+)/;

/** The generated passwords the service logged (JSON lines: stdout is not a terminal). */
const loggedPasswords = (service: RunningService): string[] =>
  service
    .output()
    .split('\n')
    .map((line) => GENERATED.exec(line)?.[1])
    .filter((p): p is string => p !== undefined);

describe('the first admin', () => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const database of databases) await database.drop();
  });

  it('is created on the first start with a generated password, logged once at warn level; a restart creates nothing', async () => {
    const database = await newTestDatabase();
    databases.push(database);
    const first = await startService({ database, readyTimeoutMs: 60_000, signIn: false });
    let password: string;
    try {
      const passwords = loggedPasswords(first);
      expect(passwords).toHaveLength(1);
      password = passwords[0];
      expect(password.length).toBeGreaterThanOrEqual(20);
      const line = first
        .output()
        .split('\n')
        .find((l) => GENERATED.test(l))!;
      expect(JSON.parse(line)).toMatchObject({ level: 40, context: 'Identity' });
      // No conformance check: the document needs a sign-in, which is what is being tried.
      const login = await client(first.url, {}, { conformance: false }).post('/auth/login', { username: 'admin', password });
      expect(login.status).toBe(200);
      expect(login.body.roles).toEqual(['admin']);
    } finally {
      await first.stop();
    }
    const second = await startService({ database, readyTimeoutMs: 60_000, signIn: false });
    try {
      expect(second.output()).not.toMatch(/first start/);
      expect((await client(second.url, {}, { conformance: false }).post('/auth/login', { username: 'admin', password })).status).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it('takes PERCORSI_ADMIN_PASSWORD; another start (a second replica) finds it and creates nothing', async () => {
    const t = await startTestApp({ env: { PERCORSI_ADMIN_PASSWORD: 'the chosen admin password' }, signIn: false });
    try {
      const api = client(t.url);
      expect((await api.post('/auth/login', { username: 'admin', password: 'the chosen admin password' })).status).toBe(200);
      const firstAdmin = t.app.get(FirstAdmin);
      expect(await firstAdmin.ensureAdmin()).toEqual({ created: false, generated: false });
      // No admin left, but the name is taken: the insert (ON CONFLICT DO NOTHING) adds no second `admin`.
      await t.dataSource.query(`UPDATE operators SET roles = '{}' WHERE username = 'admin'`);
      expect(await firstAdmin.ensureAdmin()).toEqual({ created: false, generated: false });
      expect(await t.dataSource.query(`SELECT count(*)::int AS n FROM operators`)).toEqual([{ n: 1 }]);
    } finally {
      await t.close();
    }
  });
});
