import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { createApp } from '../../src/app.js';
import type { Clock } from '../../src/common/clock.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { Database } from '../../src/database/database.js';
import { conformance } from './openapi-conformance.js';
import { adminSession, createOperator, type TestOperator } from './provision.js';

export { adminSession, createOperator, type TestOperator };
import { forgetSignedIn, setDocumentReader, setSignedIn, setSignInCredentials, signedInHeaders } from './signed-in.js';

/** Where a test's database lives: a copy of the template PGlite folder, or a schema of its own. */
export interface TestDatabase {
  env: Record<string, string>;
  /** Removes the data folder or drops the schema. */
  drop(): Promise<void>;
}

/** A fresh, empty database for one test app: the embedded default, or a new schema in DATABASE_URL. */
export async function newTestDatabase(): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    // The data folder holds only the generated webhook secret key here; keep it out of the repository.
    const dir = await mkdtemp(path.join(tmpdir(), 'percorsi-test-'));
    return {
      env: { DATABASE_URL: url, PERCORSI_DB_SCHEMA: schema, PERCORSI_DB_POOL_SIZE: '10', PERCORSI_DATA_DIR: dir },
      drop: async () => {
        await rm(dir, { recursive: true, force: true });
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      },
    };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'percorsi-test-'));
  const template = process.env.PERCORSI_TEST_TEMPLATE;
  if (template) await cp(template, dir, { recursive: true });
  return { env: { PERCORSI_DATA_DIR: dir }, drop: () => rm(dir, { recursive: true, force: true }) };
}

/** The first admin's password in every test app (PERCORSI_ADMIN_PASSWORD). */
export const TEST_ADMIN_PASSWORD = 'test-admin-password-1';

/** The password of the test apps' default operator (browsers sign in with it). */
export const TEST_OPERATOR_PASSWORD = 'test-operator-password-1';

/**
 * Signs a service at `url` in for the tests, through its API as a user would: the first admin,
 * then a case manager, supervisor and admin of a new CPI office, whose token every client() of
 * that URL then sends.
 */
export async function signInTestOperator(url: string, adminPassword = TEST_ADMIN_PASSWORD, database?: TestDatabase) {
  // Several services on one database (replicas) share the operator: they are one installation.
  let made = database ? operatorsOf.get(database) : undefined;
  if (!made) {
    made = (async () => {
      const admin = await adminSession(url, adminPassword);
      const operator = await createOperator(url, admin, {
        roles: ['case_manager', 'supervisor', 'admin'],
        name: 'Operatore di prova',
        password: TEST_OPERATOR_PASSWORD,
      });
      return { admin, operator };
    })();
    if (database) operatorsOf.set(database, made);
  }
  const { admin, operator } = await made;
  setSignedIn(url, operator.headers);
  setSignInCredentials(url, { username: operator.username, password: TEST_OPERATOR_PASSWORD });
  return { admin: { ...admin, origin: url }, operator };
}

/** No test operator: the admin's session reads the OpenAPI document for the conformance checks. */
async function adminOnly(url: string, adminPassword: string) {
  const admin = await adminSession(url, adminPassword);
  setDocumentReader(url, { cookie: admin.cookie });
  return { admin, operator: undefined as unknown as TestOperator };
}

const operatorsOf = new WeakMap<TestDatabase, Promise<{ admin: Record<string, string>; operator: TestOperator }>>();

export interface TestApp {
  app: NestExpressApplication;
  url: string;
  config: AppConfig;
  dataSource: DataSource;
  /** The app's default operator: a case manager, supervisor and admin of a CPI office (clients sign in as it); none with signIn: false. */
  operator: TestOperator;
  /** The first admin's session headers (cookie and Origin). */
  admin: Record<string, string>;
  /** Another operator (see createOperator). */
  newOperator(args?: Parameters<typeof createOperator>[2]): Promise<TestOperator>;
  /** Counts of rows in the service's tables. */
  counts(): Promise<{ cases: number; events: number; keys: number }>;
  close(): Promise<void>;
}

/** The service on a fresh database, listening on a free loopback port (or `port`). */
export async function startTestApp(
  options: {
    env?: Record<string, string>;
    clock?: Clock;
    database?: TestDatabase;
    port?: number;
    /** false: no test operator (the registry holds only the first admin); clients sign in as the test says. */
    signIn?: boolean;
  } = {},
): Promise<TestApp> {
  const database = options.database ?? (await newTestDatabase());
  const config = loadConfig({
    PERCORSI_LOG_LEVEL: 'silent',
    PERCORSI_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    // No deadline scheduler unless a test asks for one: its notices would move other tests' cases
    // (their DIDs are months before today) between their assertions.
    PERCORSI_DEADLINE_SCAN_SECONDS: '0',
    ...database.env,
    ...options.env,
  });
  const app = await createApp({ config, clock: options.clock });
  // A given port: for a configuration that names the service's own URL (an OpenID redirect URL).
  await app.listen(options.port ?? 0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const dataSource = app.get(Database).dataSource;
  const url = `http://127.0.0.1:${address.port}`;
  const adminPassword = config.identity.adminPassword ?? TEST_ADMIN_PASSWORD;
  const { admin, operator } =
    options.signIn === false ? await adminOnly(url, adminPassword) : await signInTestOperator(url, adminPassword, database);
  return {
    app,
    url,
    config,
    dataSource,
    operator,
    admin,
    newOperator: (args) => createOperator(url, admin, args),
    counts: async () => {
      const [row] = await dataSource.query<{ cases: number; events: number; keys: number }[]>(
        `SELECT (SELECT count(*) FROM cases)::int AS cases, (SELECT count(*) FROM case_events)::int AS events,
                (SELECT count(*) FROM idempotency_keys)::int AS keys`,
      );
      return row;
    },
    close: async () => {
      forgetSignedIn(url);
      await app.close();
      if (!options.database) await database.drop();
    },
  };
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A small JSON client for the tests. Every response must conform to the service's OpenAPI document. */
/**
 * `conformance: false` only where a test times what is on the wire (a crash mid-burst): checking each
 * answer against the document holds an answered request open a little longer.
 */
/**
 * Requests carry the app's default operator's token (startTestApp, signInTestOperator), unless
 * `anonymous` or the caller's own `authorization`.
 */
export function client(base: string, defaults: Record<string, string> = {}, options: { conformance?: boolean; anonymous?: boolean } = {}) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> => {
    const signedIn = options.anonymous ? {} : signedInHeaders(base);
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...signedIn, ...defaults, ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    if (options.conformance !== false)
      (await conformance(base)).assert({ method, path, status: response.status, headers: response.headers, body: parsed });
    return { status: response.status, headers: response.headers, body: parsed };
  };
  return {
    get: (path: string, headers?: Record<string, string>) => call('GET', path, undefined, headers),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => call('POST', path, body, headers),
    call,
  };
}

export type Client = ReturnType<typeof client>;
