import { afterAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import { startService, type RunningService } from '../support/service-process.js';
import { newTestDatabase, type TestDatabase } from '../support/test-app.js';

/** The pid of the service's own node process, from its start-up log line (pino's `pid` field). */
function servicePid(service: RunningService): number {
  const line = service
    .output()
    .split('\n')
    .find((l) => l.includes('Percorsi is listening'));
  const pid = Number(/"pid":(\d+)/.exec(line ?? '')?.[1]);
  if (!Number.isInteger(pid)) throw new Error(`no start-up line with a pid in the output:\n${service.output()}`);
  return pid;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
};

/** Resolves once a new listener could bind the port (and has let it go). */
const bindable = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/**
 * `npm start` and `npm run start:prod` as a user runs them: npm, then the service. A signal sent to
 * npm's pid (what a process manager or `kill` does) must reach the service, which stops gracefully:
 * npm exits 0, the service's process is gone and the port is free.
 */
describe('npm start and npm run start:prod stop gracefully on a signal sent to npm', () => {
  const databases: TestDatabase[] = [];
  const services: RunningService[] = [];
  afterAll(async () => {
    for (const service of services) await service.stop();
    for (const database of databases) await database.drop();
  });

  const start = async (script: string[]): Promise<RunningService> => {
    const database = await newTestDatabase();
    databases.push(database);
    const service = await startService({
      database,
      command: ['npm', ...script],
      // The start-up line carries the service's pid; npm's own update check stays quiet.
      env: { PERCORSI_LOG_LEVEL: 'info', npm_config_update_notifier: 'false' },
      // `npm start` compiles the TypeScript first.
      readyTimeoutMs: 180_000,
      // As a new installation starts: nobody signed in, the first admin's password generated.
      signIn: false,
    });
    services.push(service);
    return service;
  };

  it.each([
    { script: ['start'], signal: 'SIGTERM' as const },
    // After the build above: start:prod starts it as it is.
    { script: ['run', 'start:prod'], signal: 'SIGINT' as const },
  ])(
    'npm $script.0 $script.1, then $signal to npm',
    async ({ script, signal }) => {
      const service = await start(script);
      const node = servicePid(service);
      expect(node).not.toBe(service.pid);
      expect((await fetch(`${service.url}/health`)).status).toBe(200);
      // Every route but health and the sign-in pages requires authentication.
      expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
      expect((await fetch(`${service.url}/auth/login`)).status).toBe(200);
      for (const path of ['/cases', '/pathways', '/me', '/docs/openapi.json', '/webhooks/subscriptions', '/metrics', '/admin/operators'])
        expect({ path, status: (await fetch(`${service.url}${path}`)).status }).toEqual({ path, status: 401 });
      expect(service.output()).toMatch(/created the operator admin with the generated password/);
      // The start-up line says where everything is, the inspector included; JSON, stdout being a pipe.
      expect(service.output()).toContain(
        `Percorsi is listening: console ${service.url}/, API ${service.url}/cases, inspector ${service.url}/inspector, OpenAPI docs ${service.url}/docs`,
      );
      expect(service.output()).toMatch(/^\{"level":30,.*"msg":"Percorsi is listening/m);

      service.kill(signal);
      const exit = await service.waitForExit(30_000);

      if (exit.code !== 0) console.error(service.output());
      expect(exit).toEqual({ code: 0, signal: null });
      expect(service.output()).toContain(`${signal}: finishing in-flight requests`);
      expect(service.output()).toMatch(/"msg":"stopped"/);
      expect(alive(node)).toBe(false);
      expect(await bindable(service.port)).toBe(true);
    },
    240_000,
  );
});
