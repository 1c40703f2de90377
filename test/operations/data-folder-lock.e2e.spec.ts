import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnService, startService, type RunningService } from '../support/service-process.js';
import { client } from '../support/test-app.js';
import { taxCode } from '../support/subjects.js';

/**
 * One process per embedded data folder, with real processes: a second service on the folder refuses
 * to start and the first loses nothing; a process killed with SIGKILL does not block the next start.
 * Always on the embedded database (the lock is its own), whatever DATABASE_URL the suite runs with.
 */
describe('one service process per embedded data folder', () => {
  let dir: string;
  const database = { env: {} as Record<string, string>, drop: () => Promise.resolve() };
  const services: RunningService[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'percorsi-lock-'));
    const dataDir = path.join(dir, 'data');
    // The suite's initialised PGlite folder when there is one (a fresh folder takes seconds more).
    if (process.env.PERCORSI_TEST_TEMPLATE) await cp(process.env.PERCORSI_TEST_TEMPLATE, dataDir, { recursive: true });
    database.env = { PERCORSI_DATA_DIR: dataDir };
  });
  afterAll(async () => {
    for (const service of services) await service.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const start = async () => {
    const service = await startService({ database, readyTimeoutMs: 60_000 });
    services.push(service);
    return service;
  };

  it('refuses a second process, which names the folder and the first; then a restart after SIGKILL finds the data', async () => {
    const first = await start();
    const api = client(first.url);
    const subject = taxCode();
    const opened = await api.post('/cases', { pathway: 'person', subject });
    expect(opened.status).toBe(201);
    const id: string = opened.body.id;

    const second = spawnService({ ...database.env, PORT: '0' });
    const exit = await second.waitForExit(60_000);
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(second.output()).toContain(`Percorsi could not start: the data folder ${database.env.PERCORSI_DATA_DIR} is in use`);
    expect(second.output()).toContain(`process ${first.pid} on host `);
    expect(second.output()).toMatch(/since \d{4}-\d\d-\d\dT/);

    // The first serves reads and writes as before, and the case written before is intact.
    const event = await api.post(`/cases/${id}/events`, { type: 'INFORMATION_GIVEN', referral: 'A2' });
    expect(event.status).toBe(200);
    const read = await api.get(`/cases/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id, subject, version: 2 });

    // Killed without a chance to release its lock: the next start takes the lock over at once.
    first.kill('SIGKILL');
    expect(await first.waitForExit(10_000)).toEqual({ code: null, signal: 'SIGKILL' });
    const third = await start();
    const history = await client(third.url).get(`/cases/${id}/history`);
    expect(history.status).toBe(200);
    expect(history.body.events.map((e: { type: string }) => e.type)).toEqual(['CASE_OPENED', 'INFORMATION_GIVEN']);

    // Stopped gracefully, it releases the lock: nothing is left in the folder.
    expect(await third.stop()).toEqual({ code: 0, signal: null });
    const fourth = await start();
    expect((await client(fourth.url).get(`/cases/${id}`)).body.version).toBe(2);
  }, 180_000);
});
