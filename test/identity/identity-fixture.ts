import { expect } from '@jest/globals';
import { client, startTestApp, type ApiResponse, type Client, type TestApp } from '../support/test-app.js';
import type { TestClock } from '../support/test-clock.js';

export const ADMIN_PASSWORD = 'admin-password-for-tests';

/** Every response body the tests saw: none may carry a password hash. */
export const seenBodies: unknown[] = [];

/** A test app whose first admin has ADMIN_PASSWORD; loopback is a trusted proxy (X-Forwarded-Proto/-For are read). */
export async function startIdentityApp(options: { clock?: TestClock; env?: Record<string, string>; port?: number } = {}) {
  const t = await startTestApp({
    clock: options.clock,
    port: options.port,
    env: { PERCORSI_ADMIN_PASSWORD: ADMIN_PASSWORD, PERCORSI_TRUST_PROXY: 'loopback', ...options.env },
    // The registry as a new installation has it: the first admin only.
    signIn: false,
  });
  // Anonymous: each test signs in as it needs.
  return { t, api: recording(client(t.url, {}, { anonymous: true })) };
}

/** The client, keeping every body for the password-hash check. */
function recording(api: Client) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> => {
    const response = await api.call(method, path, body, headers);
    seenBodies.push(response.body);
    return response;
  };
  return {
    call,
    get: (path: string, headers?: Record<string, string>) => call('GET', path, undefined, headers),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => call('POST', path, body, headers),
    patch: (path: string, body?: unknown, headers?: Record<string, string>) => call('PATCH', path, body, headers),
    delete: (path: string, headers?: Record<string, string>) => call('DELETE', path, undefined, headers),
  };
}

export type IdentityClient = ReturnType<typeof recording>;

/** The session cookie of a response, as a Cookie request header value; the Set-Cookie line too. */
export function sessionCookie(response: ApiResponse): { cookie: string; setCookie: string } {
  const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('percorsi_session='));
  expect(setCookie).toBeDefined();
  return { cookie: setCookie!.split(';')[0], setCookie: setCookie! };
}

/** Headers of a browser's same-origin write with the session cookie. */
export const browser = (t: TestApp, cookie: string) => ({ cookie, origin: t.url });

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Signs in; the headers a same-origin browser would send afterwards. */
export async function signIn(t: TestApp, api: IdentityClient, username: string, password: string): Promise<Record<string, string>> {
  const response = await api.post('/auth/login', { username, password });
  expect(response.status).toBe(200);
  return browser(t, sessionCookie(response).cookie);
}

let counter = 0;
/** A unique username per call. */
export const uniqueName = (prefix: string) => `${prefix}.${process.pid}.${++counter}`;

/** An agency, an office in it and an operator of that office with the given roles; the operator's password. */
export async function anOperator(
  api: IdentityClient,
  admin: Record<string, string>,
  args: { roles: string[]; kind?: 'cpi' | 'accredited'; officeId?: string } = { roles: ['case_manager'] },
) {
  let officeId = args.officeId;
  let agencyId: string | undefined;
  if (!officeId) {
    const agency = await api.post('/admin/agencies', { name: uniqueName('Agency'), kind: args.kind ?? 'cpi' }, admin);
    expect(agency.status).toBe(201);
    agencyId = agency.body.id;
    const office = await api.post('/admin/offices', { name: uniqueName('Office'), agencyId }, admin);
    expect(office.status).toBe(201);
    officeId = office.body.id as string;
  }
  const password = 'a-long-enough-password';
  const username = uniqueName('op');
  const operator = await api.post(
    '/admin/operators',
    { username, name: 'Maria Rossi', password, roles: args.roles, officeIds: [officeId] },
    admin,
  );
  expect(operator.status).toBe(201);
  return { id: operator.body.id as string, username, password, officeId, agencyId };
}
