import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, processesOnOneDatabase, spawnService } from '../support/service-process.js';
import { client } from '../support/test-app.js';
import { signedInHeaders } from '../support/signed-in.js';
import { taxCode, vatNumber } from '../support/subjects.js';

const EVENT = { type: 'INFORMATION_GIVEN', referral: 'A2' };

/** What became of one request: a complete response, or the error that ended it. */
type Outcome = { status: number; body: any; complete: true } | { error: string; code?: string };

/**
 * A POST on a connection of its own (no keep-alive pool), so that each request's fate is its own.
 * It asks for `100 Continue` and sends its body only then: the interim response proves that the
 * service has read the request and is handling it, i.e. has accepted it (a request still in the
 * kernel's queue when the listener closes is reset by the kernel, which is no shutdown's to save).
 * The last `hold` bytes of the body wait for `release()`.
 */
function post(base: string, pathname: string, body: unknown, hold = 0) {
  const data = Buffer.from(JSON.stringify(body));
  const req = request(`${base}${pathname}`, {
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', 'content-length': data.length, expect: '100-continue', ...signedInHeaders(base) },
  });
  const outcome = new Promise<Outcome>((resolve) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null, complete: true });
      });
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.message, code: error.code }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.message, code: error.code }));
  });
  /** True once the service has answered 100 Continue and the body (but the held bytes) is sent. */
  const accepted = new Promise<boolean>((resolve) => {
    req.on('continue', () => {
      const sent = data.subarray(0, data.length - hold);
      if (hold === 0) req.end(sent, () => resolve(true));
      else req.write(sent, () => resolve(true));
    });
    void outcome.then(() => resolve(false));
  });
  req.flushHeaders();
  return { outcome, accepted, release: () => req.end(data.subarray(data.length - hold)) };
}

describe('graceful shutdown', () => {
  const processes = processesOnOneDatabase();

  it('on SIGTERM finishes every request it accepted, refuses new ones, exits 0, and keeps the data', async () => {
    const service = await processes.start({ PERCORSI_SHUTDOWN_TIMEOUT_MS: '10000' });
    const api = client(service.url);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const opened = await api.post('/cases', { pathway: 'person', subject: taxCode() });
      expect(opened.status).toBe(201);
      ids.push(opened.body.id);
    }

    // 20 concurrent events on two cases (they contend for the same rows), and two slow clients
    // whose bodies are still arriving when the signal comes.
    const fast = Array.from({ length: 20 }, (_, i) => post(service.url, `/cases/${ids[i % 2]}/events`, EVENT));
    const slow = ids.map((id) => post(service.url, `/cases/${id}/events`, EVENT, 5));
    let answered = 0;
    for (const r of fast) void r.outcome.then(() => (answered += 1));
    expect(await Promise.all([...fast, ...slow].map((r) => r.accepted))).toEqual(Array(22).fill(true));

    service.kill('SIGTERM');
    const answeredAtSignal = answered;
    // The service stops taking connections at once...
    await new Promise((resolve) => setTimeout(resolve, 500));
    const late = await post(service.url, `/cases/${ids[0]}/events`, EVENT).outcome;
    expect(late).toMatchObject({ code: 'ECONNREFUSED' });
    expect(service.exited).toBe(false);
    // ...and waits for the slow bodies, which are answered in full.
    slow.forEach((r) => r.release());
    const releasedAt = Date.now();
    const outcomes = await Promise.all([...fast, ...slow].map((r) => r.outcome));
    const exit = await service.waitForExit(15_000);
    const exitMs = Date.now() - releasedAt;

    if (outcomes.some((o) => !('complete' in o)) || exit.code !== 0) console.error(`service output:\n${service.output()}`);
    expect(outcomes.filter((o) => !('complete' in o) || o.status !== 200)).toEqual([]);
    expect(answeredAtSignal).toBeLessThan(fast.length);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(exitMs).toBeLessThan(10_000);
    expect(service.output()).not.toMatch(/error|shutdown took longer/i);

    // What was answered is what is stored.
    const restarted = await processes.start();
    const again = client(restarted.url);
    const acked = outcomes.map((o) => (o as { body: any }).body.event);
    expect(new Set(acked.map((e) => e.id)).size).toBe(22);
    let found = 0;
    for (const id of ids) {
      const history = await again.get(`/cases/${id}/history`);
      expect(history.body.events.map((e: any) => e.sequence)).toEqual(Array.from({ length: history.body.version }, (_, i) => i + 1));
      const mine = acked.filter((e) => history.body.events.some((h: any) => h.id === e.id));
      for (const event of mine) expect(history.body.events[event.sequence - 1]).toMatchObject({ id: event.id, sequence: event.sequence });
      // The opening event, the answered ones, and nothing else (the refused late request is not there).
      expect(history.body.version).toBe(1 + mine.length);
      found += mine.length;
    }
    expect(found).toBe(22);
    // One process per embedded data folder: the next test starts its own on this database.
    expect(await restarted.stop()).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('with a drain period, fails readiness at once but keeps serving until the listener closes', async () => {
    const service = await processes.start({ PERCORSI_SHUTDOWN_DRAIN_MS: '3000' });
    const api = client(service.url);
    expect((await api.get('/health')).status).toBe(200);
    service.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const health = await api.get('/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ code: 'SHUTTING_DOWN' });
    expect(health.headers.get('retry-after')).toBe('5');
    // Requests still routed here during the drain are served.
    expect((await api.post('/cases', { pathway: 'employer', subject: vatNumber() })).status).toBe(201);
    expect(await service.waitForExit(15_000)).toEqual({ code: 0, signal: null });
  }, 60_000);

  describe('a process that cannot start exits non-zero and says why', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'percorsi-badconfig-'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    // The three processes start side by side: each costs the time to load the service.
    it('PORT=abc, PERCORSI_DEFAULT_LANGUAGE=fr, an unreachable DATABASE_URL', async () => {
      const bad: { env: Record<string, string>; message: RegExp; other: RegExp }[] = [
        { env: { PORT: 'abc' }, message: /PORT must be an integer from 0 to 65535, got 'abc'/, other: /PERCORSI_DEFAULT_LANGUAGE/ },
        {
          env: { PERCORSI_DEFAULT_LANGUAGE: 'fr' },
          message: /PERCORSI_DEFAULT_LANGUAGE must be one of it, en, got 'fr'/,
          other: /\bPORT\b/,
        },
      ];
      const children = bad.map((c) => {
        const dataDir = path.join(dir, Object.keys(c.env)[0]);
        return { ...c, dataDir, child: spawnService({ PORT: '0', PERCORSI_DATA_DIR: dataDir, ...c.env }) };
      });
      const unreachable = spawnService({
        PORT: '0',
        PERCORSI_DATA_DIR: path.join(dir, 'unreachable'),
        DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/percorsi`,
      });

      for (const { child, message, other, dataDir } of children) {
        expect(await child.waitForExit(30_000)).toEqual({ code: 2, signal: null });
        expect(child.output()).toMatch(/invalid configuration/);
        expect(child.output()).toMatch(message);
        expect(child.output()).not.toMatch(other);
        // Refused before touching anything.
        expect(existsSync(dataDir)).toBe(false);
      }
      expect(await unreachable.waitForExit(30_000)).toEqual({ code: 1, signal: null });
      expect(unreachable.output()).toMatch(/Percorsi could not start: .*ECONNREFUSED/);
    }, 40_000);
  });
});
