/**
 * Provisioning through the API, as an admin would: signing in, and operators with their agency,
 * office and API token. Only fetch: the tests and the benchmarks (bench/) both use it.
 */

/** An operator made for a test, with an API token: the headers its requests carry. */
export interface TestOperator {
  id: string;
  username: string;
  officeId: string | null;
  agencyId: string | null;
  /** `{ authorization: 'Bearer pct_...' }` */
  headers: Record<string, string>;
}

/** Signs in with a password: the session cookie, as a Cookie header value (`percorsi_session=...`). */
export async function sessionCookie(url: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (response.status !== 200) throw new Error(`sign-in of ${username}: ${response.status} ${await response.text()}`);
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('percorsi_session='));
  if (!cookie) throw new Error(`sign-in of ${username}: no session cookie`);
  return cookie.split(';')[0];
}

/**
 * Signs in as the first admin (a same-origin browser with the session cookie) and answers with
 * the headers its writes carry.
 */
export async function adminSession(url: string, password: string): Promise<Record<string, string>> {
  return { cookie: await sessionCookie(url, 'admin', password), origin: url };
}

let operators = 0;

/**
 * A new operator through the admin API: by default a case manager and supervisor of a new CPI
 * office; with `officeId`, a member of that office; `kind` for a new agency's kind. It signs in
 * with an API token (no password: no hashing cost in the tests).
 */
export async function createOperator(
  url: string,
  admin: Record<string, string>,
  args: { roles?: string[]; kind?: 'cpi' | 'accredited'; officeId?: string | null; name?: string; password?: string } = {},
): Promise<TestOperator> {
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...admin },
      body: JSON.stringify(body),
    });
    const parsed = (await response.json()) as Record<string, any>;
    if (response.status !== 201) throw new Error(`POST ${path}: ${response.status} ${JSON.stringify(parsed)}`);
    return parsed;
  };
  const n = ++operators;
  let officeId = args.officeId;
  let agencyId: string | null = null;
  if (officeId === undefined) {
    agencyId = (await post('/admin/agencies', { name: `${args.kind === 'accredited' ? 'Agenzia' : 'CPI'} ${n}`, kind: args.kind ?? 'cpi' }))
      .id;
    officeId = (await post('/admin/offices', { name: `Sede ${n}`, agencyId })).id as string;
  }
  const username = `operator.${process.pid}.${n}`;
  const operator = await post('/admin/operators', {
    username,
    name: args.name ?? `Operatore ${n}`,
    roles: args.roles ?? ['case_manager', 'supervisor'],
    officeIds: officeId ? [officeId] : [],
    ...(args.password ? { password: args.password } : {}),
  });
  const token = await post(`/admin/operators/${operator.id}/tokens`, { name: 'tests' });
  return { id: operator.id, username, officeId: officeId ?? null, agencyId, headers: { authorization: `Bearer ${token.token}` } };
}
