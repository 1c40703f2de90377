/**
 * Starts the service for the benchmark: in this process (createApp + listen) or as a child process
 * (`node --import tsx src/main.ts`, optionally with --cpu-prof). Either way it can report how many
 * PostgreSQL round trips it has made so far (see count-pg-queries.ts).
 *
 * Since Step 6 every route but the health checks and sign-in needs a signed-in operator: the service
 * starts with PERCORSI_ADMIN_PASSWORD, and the benchmark provisions its operator through the admin API
 * as the tests do (test/support/test-app.ts): the first admin signs in, makes a CPI agency, an office
 * and an operator (case manager, supervisor and admin of that office) with an API token, whose
 * `Authorization` header every request of the benchmark then carries (`headers`).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { installQueryCounter, queryCount } from './count-pg-queries.js';
import { adminSession, createOperator, sessionCookie } from '../../test/support/provision.js';

/** The first admin's password in every benchmark's service (PERCORSI_ADMIN_PASSWORD). */
export const BENCH_ADMIN_PASSWORD = 'bench-admin-password-1';
/** The benchmark operator's password (for a session cookie: POST /auth/login). */
export const BENCH_OPERATOR_PASSWORD = 'bench-operator-password-1';

/** The operator the benchmark acts as. */
export interface BenchOperator {
  id: string;
  username: string;
  officeId: string;
  agencyId: string;
  /** The API token (`pct_...`). */
  token: string;
  /** What every request carries: `{ authorization: 'Bearer pct_...' }`. */
  headers: Record<string, string>;
  /** The actor the service records on this operator's events (src/cases/case.service.ts actorRecord). */
  actor: BenchActor;
}

/** The actor recorded on the events of an operator of a CPI office acting with an API token. */
export interface BenchActor {
  id: string;
  username: string;
  kind: 'cpi' | 'accredited';
  via: 'session' | 'token' | 'oidc';
}

export interface ServiceUnderTest {
  host: string;
  port: number;
  /** The benchmark operator's credentials (empty when the service runs with `operator: null`). */
  headers: Record<string, string>;
  /** The benchmark operator; null with `operator: null`. */
  operator: BenchOperator | null;
  /** The child's pid; null in process. */
  pid: number | null;
  /** The service's PostgreSQL round trips so far. */
  queries(): Promise<number>;
  close(): Promise<void>;
  /** Child only: SIGKILL, resolved once the process is gone (a crash, as the failover benchmark needs). */
  kill(): Promise<void>;
}

export interface ServiceOptions {
  mode: 'child' | 'inprocess';
  /** The service's environment on top of process.env (PERCORSI_* and DATABASE_URL). */
  env: Record<string, string>;
  /** Child only: write a V8 CPU profile (.cpuprofile) into this folder when the service stops. */
  cpuProfileDir?: string;
  /**
   * The operator to act as. Unset: provisioned on this service's database (once per database: give a
   * replica, or a process restarted on the same data folder, the first one's). null: none, and no
   * credentials sent (a checkout from before Step 6, which had no sign-in).
   */
  operator?: BenchOperator | null;
  /** Child only: the checkout to start the service from (default: this one). */
  root?: string;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export async function startService(options: ServiceOptions): Promise<ServiceUnderTest> {
  // No deadline notices in the benchmarks' histories and webhook counts (bench:deadlines calls the scheduler itself).
  const env = { PERCORSI_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD, PERCORSI_DEADLINE_SCAN_SECONDS: '0', ...options.env };
  const service = options.mode === 'inprocess' ? await startInProcess(env) : await startChild({ ...options, env });
  try {
    const operator = options.operator === undefined ? await provisionOperator(service) : options.operator;
    service.operator = operator;
    service.headers = operator ? operator.headers : {};
  } catch (error) {
    await service.close().catch(() => undefined);
    throw error;
  }
  return service;
}

/** The service's own origin: what a same-origin browser sends in Origin (cookie-authenticated writes need it). */
export const originOf = (service: { host: string; port: number }) => `http://${service.host}:${service.port}`;

/** Signs in with a password; answers with the session cookie (`percorsi_session=...`). */
export const signIn = (service: { host: string; port: number }, username: string, password: string): Promise<string> =>
  sessionCookie(originOf(service), username, password);

/**
 * The benchmark's operator, made through the admin API as the tests make theirs
 * (test/support/provision.ts): a CPI agency, an office, an operator with the roles case_manager,
 * supervisor and admin in that office (with a password: BENCH_OPERATOR_PASSWORD), and an API token.
 */
export async function provisionOperator(service: { host: string; port: number }): Promise<BenchOperator> {
  const origin = originOf(service);
  const made = await createOperator(origin, await adminSession(origin, BENCH_ADMIN_PASSWORD), {
    roles: ['case_manager', 'supervisor', 'admin'],
    name: 'Operatore benchmark',
    password: BENCH_OPERATOR_PASSWORD,
  });
  const { id, username } = made;
  return {
    id,
    username,
    officeId: made.officeId!,
    agencyId: made.agencyId!,
    token: made.headers.authorization.slice('Bearer '.length),
    headers: made.headers,
    actor: { id, username, kind: 'cpi', via: 'token' },
  };
}

/**
 * The actor the service recorded on the first event of a case the benchmark operator opened: the
 * operator's `actor`, or an error saying how they differ (the raw SQL side writes `actor`).
 */
export async function recordedActor(service: ServiceUnderTest, caseId: string): Promise<BenchActor> {
  if (!service.operator) throw new Error('the service runs without an operator');
  const response = await fetch(`${originOf(service)}/cases/${caseId}/history`, { headers: service.headers });
  if (response.status !== 200) throw new Error(`GET /cases/${caseId}/history: ${response.status} ${await response.text()}`);
  const recorded = ((await response.json()) as { events: { actor: unknown }[] }).events[0].actor;
  const expected = service.operator.actor;
  if (!isDeepStrictEqual(recorded, expected))
    throw new Error(`the service records the actor ${JSON.stringify(recorded)}, the benchmark expected ${JSON.stringify(expected)}`);
  return expected;
}

async function startInProcess(env: Record<string, string>): Promise<ServiceUnderTest> {
  installQueryCounter();
  const { createApp } = await import('../../src/app.js');
  const { loadConfig } = await import('../../src/config/app-config.js');
  const app = await createApp({ config: loadConfig({ ...process.env, ...env }) });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    host: '127.0.0.1',
    port: address.port,
    headers: {},
    operator: null,
    pid: null,
    queries: () => Promise.resolve(queryCount()),
    close: () => app.close(),
    kill: () => Promise.reject(new Error('a service in process cannot be killed')),
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startChild(options: ServiceOptions): Promise<ServiceUnderTest> {
  const port = await freePort();
  const args = [
    '--import',
    'tsx',
    '--import',
    // The checkout's own copy, so that it counts on that checkout's `pg`.
    './bench/support/count-pg-queries.ts',
    ...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []),
    'src/main.ts',
  ];
  const child = spawn(process.execPath, args, {
    cwd: options.root ?? ROOT,
    env: { ...process.env, ...options.env, PORT: String(port), PERCORSI_HOST: '127.0.0.1', BENCH_COUNT_PG_QUERIES: '1' },
    // Logs (pino, on stdout) go nowhere, as to a log shipper that keeps up; stderr carries the counts.
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const tail: string[] = [];
  const waiting: ((count: number) => void)[] = [];
  let buffered = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      const counted = /^PG_QUERIES (\d+)$/.exec(line);
      if (counted) waiting.shift()?.(Number(counted[1]));
      else {
        tail.push(line);
        if (tail.length > 40) tail.shift();
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let alive = true;
  void exited.then(() => (alive = false));

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!alive) throw new Error(`the service exited during start-up:\n${tail.join('\n')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the service did not answer /health within 60 s:\n${tail.join('\n')}`);
    }
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    host: '127.0.0.1',
    port,
    headers: {},
    operator: null,
    pid: child.pid ?? null,
    queries: () =>
      new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the service did not report its query count')), 5000);
        waiting.push((count) => {
          clearTimeout(timer);
          resolve(count);
        });
        child.kill('SIGUSR2');
      }),
    kill: async () => {
      if (!alive) return;
      child.kill('SIGKILL');
      await exited;
    },
    close: async () => {
      if (!alive) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      if (code !== 0) process.stderr.write(`service exited with code ${code}:\n${tail.join('\n')}\n`);
    },
  };
}
