import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RouteTable } from '../../src/common/route-table.js';
import { ACTION_KEY } from '../../src/policy/can.js';
import { decide, isAction, POLICY, ROLES, type Action, type CaseScope, type Role } from '../../src/policy/policy.js';
import { client, startTestApp, type TestApp, type TestOperator } from '../support/test-app.js';
import { aPerson, anEmployer, AT, VACANCY } from '../matches/match-cases.js';
import { taxCode } from '../support/subjects.js';

/**
 * The authorisation matrix (issue 14), generated from the app's own route table: every route, as
 * every role (an operator holding only that role, in office A of a CPI) and as nobody, on a case of
 * office A (own), of another agency's office B (other) and on a practice case, answers as the policy
 * table says: 2xx when allowed and in reach, 401, 403, or 404 CASE_NOT_FOUND for a case out of reach.
 * A route without an action, or without a sample request below, fails here: a new route must say
 * who may call it and show a request that succeeds.
 */

type Target = 'own' | 'other' | 'practice' | 'none';

interface Actor {
  name: Role | 'unauthenticated';
  role: Role | null;
  /** Its credentials: none when unauthenticated. */
  headers: Record<string, string>;
}

interface Route {
  method: string;
  path: string;
  key: string;
  action: unknown;
}

interface CaseRef {
  id: string;
  subject: string;
}

interface Fixture {
  officeA: string;
  agencyA: string;
  /** An office of A's agency that A supervises: where supervisors transfer cases to. */
  officeA2: string;
  officeB: string;
  cases: Record<'own' | 'other' | 'practice', CaseRef>;
  subscriptionId: string;
  deliveryId: string;
  /** An operator with a password (case manager of A), for the sign-in route. */
  signer: { username: string; password: string };
}

interface Context {
  /** The actor's credentials (none when unauthenticated). */
  headers: Record<string, string>;
  /** Credentials to make what the request needs first: the actor's, or the default operator's when there is no actor. */
  maker: Record<string, string>;
  /** The scopes the policy grants the actor for the route's action (empty when refused or caseless). */
  scopes: CaseScope[];
  target: Target;
  /** The target case of a case route: the shared one, or a fresh one for requests that change it. */
  case: CaseRef;
  f: Fixture;
}

interface SampleRequest {
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Sample {
  /** The request that succeeds when the policy allows it; may first make what it needs. */
  request(ctx: Context): SampleRequest | Promise<SampleRequest>;
  /** The request changes its case: every call gets a fresh one. */
  changesCase?: true;
  /** Server-Sent Events: the status is read, then the request aborted. */
  stream?: true;
  /** Served by Swagger, outside the OpenAPI document: no conformance check. */
  undocumented?: true;
  /** What success is when not a 2xx. */
  succeeded?: (response: Answer) => boolean;
}

interface Answer {
  status: number;
  body: any;
}

const PASSWORD = 'matrix-password-1';
const HOOK_URL = 'http://127.0.0.1:9/hook';

let t: TestApp;
let f: Fixture;
let actors: Actor[];
let routes: Route[];

const admin = () => client(t.url, t.admin, { anonymous: true });
const as = (headers: Record<string, string>) => client(t.url, headers, { anonymous: true });

async function created(response: Promise<Answer>, what: string): Promise<any> {
  const answer = await response;
  if (answer.status < 200 || answer.status > 299) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

const adminPost = (path: string, body: unknown) => created(admin().post(path, body), `POST ${path}`);
const adminPatch = (path: string, body: unknown) => created(admin().call('PATCH', path, body), `PATCH ${path}`);

let creators: { A: TestOperator; B: TestOperator };

/** A new case: real in office A (own), real in office B (other), or a practice case of office B. */
async function openCase(target: 'own' | 'other' | 'practice'): Promise<CaseRef> {
  const subject = taxCode();
  const by = target === 'own' ? creators.A : creators.B;
  const body = await created(
    as(by.headers).post('/cases', { pathway: 'person', subject, ...(target === 'practice' ? { practice: true } : {}) }),
    `open a ${target} case`,
  );
  return { id: body.id as string, subject };
}

const newSubscription = async () => (await adminPost('/webhooks/subscriptions', { url: HOOK_URL })).id as string;
const newAgency = async () =>
  (await adminPost('/admin/agencies', { name: `Agenzia ${randomUUID().slice(0, 8)}`, kind: 'cpi' })).id as string;
const newOperatorId = async () =>
  (await adminPost('/admin/operators', { username: `matrix.${randomUUID().slice(0, 8)}`, name: 'Operatore', roles: [], officeIds: [] }))
    .id as string;

type Reach = 'offices' | 'practice';
const reachOf = (c: Context): Reach => (c.scopes.includes('offices') ? 'offices' : 'practice');
const matchPairs = new Map<Reach, Promise<{ personCaseId: string; employerCaseId: string }>>();

/** A person case in A.6 and an employer case in B.4 that the actor reaches: of office A, or practice cases. */
function matchPair(reach: Reach): Promise<{ personCaseId: string; employerCaseId: string }> {
  let pair = matchPairs.get(reach);
  if (!pair) {
    const maker = as(reach === 'offices' ? creators.A.headers : creators.B.headers);
    const practice = reach === 'practice';
    pair = (async () => ({ personCaseId: await aPerson(maker, { practice }), employerCaseId: await anEmployer(maker, { practice }) }))();
    matchPairs.set(reach, pair);
  }
  return pair;
}

/** A new match between the pair the actor reaches (recorded by a case manager: the actor may not be allowed to). */
async function newMatch(reach: Reach): Promise<string> {
  const body = { ...(await matchPair(reach)), vacancyId: VACANCY, at: AT };
  const maker = reach === 'offices' ? creators.A.headers : creators.B.headers;
  return (await created(as(maker).post('/matches', body), 'a match')).id as string;
}

/** A request that succeeds for each route, keyed by 'METHOD /path' as the route table declares it. */
const SAMPLES: Record<string, Sample> = {
  'GET /health': { request: () => ({ path: '/health' }) },
  'GET /health/live': { request: () => ({ path: '/health/live' }) },

  'POST /auth/login': { request: (c) => ({ path: '/auth/login', body: c.f.signer }) },
  'POST /auth/logout': { request: () => ({ path: '/auth/logout' }) },
  'GET /me': { request: () => ({ path: '/me' }) },

  'POST /tokens': { request: () => ({ path: '/tokens', body: { name: 'matrix' } }) },
  'GET /tokens': { request: () => ({ path: '/tokens' }) },
  'DELETE /tokens/:id': {
    request: async (c) => ({ path: `/tokens/${(await created(as(c.maker).post('/tokens', { name: 'to revoke' }), 'a token')).id}` }),
  },

  'GET /pathways': { request: () => ({ path: '/pathways' }) },
  'GET /pathways/:name': { request: () => ({ path: '/pathways/person' }) },
  'GET /docs': { request: () => ({ path: '/docs' }), undocumented: true },
  'GET /docs/openapi.json': { request: () => ({ path: '/docs/openapi.json' }), undocumented: true },
  // JSON asked for: an unauthenticated browser asking for HTML is sent to the sign-in page instead (303, tested below).
  'GET /inspector': { request: () => ({ path: '/inspector', headers: { accept: 'application/json' } }) },
  'GET /inspector/assets/:file': { request: () => ({ path: '/inspector/assets/inspector.js', headers: { accept: 'application/json' } }) },
  'GET /': { request: () => ({ path: '/', headers: { accept: 'application/json' } }) },
  'GET /ui/:folder/:file': { request: () => ({ path: '/ui/console/console.js', headers: { accept: 'application/json' } }) },

  // Own: in office A (a trainer opens practice cases only, with no office); other: office B; practice: a practice case.
  'POST /cases': {
    request: (c) => ({
      path: '/cases',
      body: {
        pathway: 'person',
        subject: taxCode(),
        ...(c.target === 'other' ? { officeId: c.f.officeB } : {}),
        ...(c.target === 'own' && c.scopes.includes('offices') ? { officeId: c.f.officeA } : {}),
        ...(c.target === 'practice' || !c.scopes.includes('offices') ? { practice: true } : {}),
      },
    }),
  },
  'GET /cases': { request: () => ({ path: '/cases?practice=all' }) },
  'GET /worklist': { request: () => ({ path: '/worklist?scope=office' }) },
  'GET /cases/:id': { request: (c) => ({ path: `/cases/${c.case.id}` }) },
  'GET /cases/:id/transitions': { request: (c) => ({ path: `/cases/${c.case.id}/transitions` }) },
  'GET /cases/:id/history': { request: (c) => ({ path: `/cases/${c.case.id}/history` }) },
  'GET /cases/:id/replay': { request: (c) => ({ path: `/cases/${c.case.id}/replay` }) },
  'GET /cases/:id/stream': { request: (c) => ({ path: `/cases/${c.case.id}/stream` }), stream: true },
  'GET /cases/:id/inspection': { request: (c) => ({ path: `/cases/${c.case.id}/inspection` }), stream: true },
  'POST /cases/:id/events': {
    request: (c) => ({ path: `/cases/${c.case.id}/events`, body: { type: 'INTAKE_SESSION_HELD', mode: 'individual', minutes: 30 } }),
    changesCase: true,
  },
  'POST /cases/:id/assignment': {
    request: (c) => ({ path: `/cases/${c.case.id}/assignment`, body: { assigneeId: null } }),
    changesCase: true,
  },
  'POST /cases/:id/transfer': {
    request: (c) => ({ path: `/cases/${c.case.id}/transfer`, body: { officeId: c.f.officeA2, reason: 'Trasferimento di prova' } }),
    changesCase: true,
  },

  'GET /offices/:id/assignees': { request: (c) => ({ path: `/offices/${c.f.officeA}/assignees` }) },

  'POST /matches': { request: async (c) => ({ path: '/matches', body: { ...(await matchPair(reachOf(c))), vacancyId: VACANCY, at: AT } }) },
  'POST /matches/:id/outcome': {
    request: async (c) => ({ path: `/matches/${await newMatch(reachOf(c))}/outcome`, body: { outcome: 'not_selected', at: AT } }),
  },
  'GET /matches': {
    request: (c) => ({ path: `/matches?personCaseId=${reachOf(c) === 'offices' ? c.f.cases.own.id : c.f.cases.practice.id}` }),
  },
  'GET /matches/:id': { request: async (c) => ({ path: `/matches/${await newMatch(reachOf(c))}` }) },

  'POST /admin/agencies': { request: () => ({ path: '/admin/agencies', body: { name: 'Agenzia nuova', kind: 'accredited' } }) },
  'GET /admin/agencies': { request: () => ({ path: '/admin/agencies' }) },
  'GET /admin/agencies/:id': { request: (c) => ({ path: `/admin/agencies/${c.f.agencyA}` }) },
  'PATCH /admin/agencies/:id': { request: async () => ({ path: `/admin/agencies/${await newAgency()}`, body: { name: 'Rinominata' } }) },
  'POST /admin/offices': { request: (c) => ({ path: '/admin/offices', body: { name: 'Sede nuova', agencyId: c.f.agencyA } }) },
  'GET /admin/offices': { request: () => ({ path: '/admin/offices' }) },
  'GET /admin/offices/:id': { request: (c) => ({ path: `/admin/offices/${c.f.officeA}` }) },
  'PATCH /admin/offices/:id': {
    request: async (c) => {
      const office = await adminPost('/admin/offices', { name: 'Sede da rinominare', agencyId: c.f.agencyA });
      return { path: `/admin/offices/${office.id}`, body: { name: 'Rinominata' } };
    },
  },
  'POST /admin/operators': {
    request: () => ({ path: '/admin/operators', body: { username: `matrix.${randomUUID().slice(0, 8)}`, name: 'Nuovo', roles: [] } }),
  },
  'GET /admin/operators': { request: () => ({ path: '/admin/operators' }) },
  'GET /admin/operators/:id': { request: () => ({ path: `/admin/operators/${creators.A.id}` }) },
  'PATCH /admin/operators/:id': {
    request: async () => ({ path: `/admin/operators/${await newOperatorId()}`, body: { name: 'Rinominato' } }),
  },
  'POST /admin/operators/:id/tokens': {
    request: async () => ({ path: `/admin/operators/${await newOperatorId()}/tokens`, body: { name: 'matrix' } }),
  },

  'POST /webhooks/subscriptions': { request: () => ({ path: '/webhooks/subscriptions', body: { url: HOOK_URL } }) },
  'GET /webhooks/subscriptions': { request: () => ({ path: '/webhooks/subscriptions' }) },
  'GET /webhooks/subscriptions/:id': { request: (c) => ({ path: `/webhooks/subscriptions/${c.f.subscriptionId}` }) },
  'PATCH /webhooks/subscriptions/:id': {
    request: async () => ({ path: `/webhooks/subscriptions/${await newSubscription()}`, body: { description: 'matrix' } }),
  },
  'DELETE /webhooks/subscriptions/:id': { request: async () => ({ path: `/webhooks/subscriptions/${await newSubscription()}` }) },
  'POST /webhooks/subscriptions/:id/rotate-secret': {
    request: async () => ({ path: `/webhooks/subscriptions/${await newSubscription()}/rotate-secret`, body: { graceHours: 0 } }),
  },
  'POST /webhooks/subscriptions/:id/test': { request: async () => ({ path: `/webhooks/subscriptions/${await newSubscription()}/test` }) },
  'GET /webhooks/subscriptions/:id/deliveries': { request: (c) => ({ path: `/webhooks/subscriptions/${c.f.subscriptionId}/deliveries` }) },
  'POST /webhooks/subscriptions/:id/replay': {
    request: async () => ({ path: `/webhooks/subscriptions/${await newSubscription()}/replay`, body: { from: new Date().toISOString() } }),
  },
  'GET /webhooks/deliveries/:id/attempts': { request: (c) => ({ path: `/webhooks/deliveries/${c.f.deliveryId}/attempts` }) },
  'POST /webhooks/deliveries/:id/retry': {
    request: async () => {
      const queued = await adminPost(`/webhooks/subscriptions/${await newSubscription()}/test`, undefined);
      return { path: `/webhooks/deliveries/${queued.deliveryId}/retry` };
    },
  },
  'GET /metrics': { request: () => ({ path: '/metrics' }) },
  'GET /indicators': { request: () => ({ path: '/indicators' }) },

  // Routes on their way from other branches (step6-audit, step6-oidc-routes): ready when they arrive.
  'GET /admin/access-log': { request: (c) => ({ path: `/admin/access-log?caseId=${c.f.cases.own.id}` }) },
  'GET /auth/login': { request: () => ({ path: '/auth/login' }) },
  'GET /auth/assets/:file': { request: () => ({ path: '/auth/assets/sign-in.js' }) },
  // No provider configured here: reaching the handler is the answer that it is not.
  'GET /auth/oidc/login': { request: () => ({ path: '/auth/oidc/login' }), succeeded: (r) => r.body?.code === 'OIDC_NOT_CONFIGURED' },
  'GET /auth/oidc/callback': {
    request: () => ({ path: '/auth/oidc/callback?code=x&state=y' }),
    succeeded: (r) => r.body?.code === 'OIDC_NOT_CONFIGURED',
  },
};

/** Swagger's pages are not controllers': the middleware in front of them applies this action. */
const EXTRA_ACTIONS: Record<string, Action> = { 'GET /docs': 'docs.read', 'GET /docs/openapi.json': 'docs.read' };

const isCaseRoute = (route: Route) => route.path.startsWith('/cases/:id');
const targetsOf = (route: Route): Target[] => (isCaseRoute(route) || route.key === 'POST /cases' ? ['own', 'other', 'practice'] : ['none']);

type Outcome = 'success' | 401 | 403 | 404;

/** What the policy table says the request must get. */
function expectedOutcome(route: Route, actor: Actor, target: Target): Outcome {
  const decision = decide(route.action as Action, actor.role ? { roles: [actor.role] } : null);
  if (!decision.allowed) return decision.reason === 'unauthenticated' ? 401 : 403;
  // Opening: in one's own office (or a practice case); never in an office out of reach.
  if (route.key === 'POST /cases') return target === 'other' ? 403 : 'success';
  if (!isCaseRoute(route)) return 'success';
  if (target === 'own') {
    if (decision.scopes.includes('offices')) return 'success';
    // An observer (a trainer) reads the real cases of its offices, masked; a write on one is 403, not 404.
    if (decision.scopes.includes('observe')) return route.method === 'GET' ? 'success' : 403;
    return 404;
  }
  if (target === 'practice') return decision.scopes.length > 0 ? 'success' : 404;
  return 404;
}

const PROBLEM_CODES = { 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'CASE_NOT_FOUND' } as const;

/** Sends one request, as the sample says; streams are answered by their status, then dropped. */
async function send(route: Route, sample: Sample, request: SampleRequest, headers: Record<string, string>): Promise<Answer> {
  const all = { ...headers, ...request.headers };
  if (!sample.stream && !sample.undocumented) return as(all).call(route.method, request.path, request.body);
  const controller = new AbortController();
  const response = await fetch(`${t.url}${request.path}`, {
    method: route.method,
    headers: sample.stream ? { accept: 'text/event-stream', ...all } : all,
    redirect: 'manual',
    signal: controller.signal,
  });
  if (sample.stream && response.status === 200) {
    controller.abort();
    return { status: 200, body: null };
  }
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}

beforeAll(async () => {
  t = await startTestApp({
    env: { PERCORSI_WEBHOOK_ALLOWLIST: '127.0.0.1', PERCORSI_WEBHOOK_ALLOW_HTTP: 'true', PERCORSI_WEBHOOK_DISPATCH: 'false' },
  });
  // Office A: a CPI's; office B: another (accredited) agency's.
  const A = await t.newOperator({ roles: ['case_manager'] });
  const B = await t.newOperator({ roles: ['case_manager'], kind: 'accredited' });
  creators = { A, B };
  const officeA2 = (await adminPost('/admin/offices', { name: 'Sede A2', agencyId: A.agencyId })).id as string;
  await adminPatch(`/admin/offices/${A.officeId}`, { supervisesOfficeIds: [officeA2] });
  const signer = { username: `matrix.signer.${process.pid}`, password: PASSWORD };
  await adminPost('/admin/operators', { ...signer, name: 'Con password', roles: ['case_manager'], officeIds: [A.officeId] });
  const subscriptionId = await newSubscription();
  const { deliveryId } = await adminPost(`/webhooks/subscriptions/${subscriptionId}/test`, undefined);
  const [own, other, practice] = await Promise.all([openCase('own'), openCase('other'), openCase('practice')]);
  f = {
    officeA: A.officeId!,
    agencyA: A.agencyId!,
    officeA2,
    officeB: B.officeId!,
    cases: { own, other, practice },
    subscriptionId,
    deliveryId,
    signer,
  };
  const operators = await Promise.all(ROLES.map((role) => t.newOperator({ roles: [role], officeId: A.officeId })));
  actors = [
    ...ROLES.map((role, i): Actor => ({ name: role, role, headers: operators[i].headers })),
    { name: 'unauthenticated', role: null, headers: {} },
  ];
  const table = t.app.get(RouteTable);
  routes = table.declared().map(({ method, path, handler, controller }) => {
    const key = `${method} ${path}`;
    const action: unknown = handler
      ? (Reflect.getMetadata(ACTION_KEY, handler) ?? Reflect.getMetadata(ACTION_KEY, controller!))
      : EXTRA_ACTIONS[key];
    return { method, path, key, action };
  });
});

afterAll(async () => {
  await t?.close();
});

describe('the authorisation matrix (issue 14), generated from the route table', () => {
  it('finds the routes of every controller and the OpenAPI pages', () => {
    const keys = routes.map((r) => r.key);
    for (const key of ['GET /health', 'POST /cases', 'GET /cases/:id/stream', 'PATCH /admin/offices/:id', 'GET /docs/openapi.json'])
      expect(keys).toContain(key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('every route names an action of the policy table: a new route without one fails here', () => {
    expect(routes.filter((r) => !isAction(r.action)).map((r) => `${r.key}: ${String(r.action)}`)).toEqual([]);
  });

  it('every action of the policy table is taken by some route: no dead rules', () => {
    const used = new Set(routes.map((r) => r.action));
    expect(Object.keys(POLICY).filter((action) => !used.has(action))).toEqual([]);
  });

  it('every route has a sample request: a new route must add one', () => {
    expect(routes.filter((r) => !SAMPLES[r.key]).map((r) => r.key)).toEqual([]);
  });

  it('every route x every role and nobody x own office, other office, practice case: 2xx, 401, 403 or 404 as the policy says', async () => {
    const mismatches: string[] = [];
    let tested = 0;
    const tried = routes.filter((r) => isAction(r.action) && SAMPLES[r.key]);
    for (const route of tried) {
      const sample = SAMPLES[route.key];
      const cells = actors.flatMap((actor) => targetsOf(route).map((target) => ({ actor, target })));
      await Promise.all(
        cells.map(async ({ actor, target }) => {
          const expected = expectedOutcome(route, actor, target);
          const decision = decide(route.action as Action, actor.role ? { roles: [actor.role] } : null);
          const kase =
            target === 'none' ? f.cases.own : sample.changesCase && isCaseRoute(route) ? await openCase(target) : f.cases[target];
          const ctx: Context = {
            headers: actor.headers,
            maker: actor.role ? actor.headers : t.operator.headers,
            scopes: decision.allowed ? decision.scopes : [],
            target,
            case: kase,
            f,
          };
          const answer = await send(route, sample, await sample.request(ctx), actor.headers);
          tested++;
          const cell = `${route.key} as ${actor.name}${target === 'none' ? '' : ` on ${target}`}`;
          const got = `got ${answer.status} ${JSON.stringify(answer.body)?.slice(0, 300)}`;
          const ok = sample.succeeded ?? ((r: Answer) => r.status >= 200 && r.status <= 299);
          if (expected === 'success') {
            if (!ok(answer)) mismatches.push(`${cell}: expected success, ${got}`);
          } else if (answer.status !== expected || answer.body?.code !== PROBLEM_CODES[expected]) {
            mismatches.push(`${cell}: expected ${expected} ${PROBLEM_CODES[expected]}, ${got}`);
          }
          // A refusal never shows the case: not even its subject.
          if (target !== 'none' && answer.status >= 400 && JSON.stringify(answer.body ?? '').includes(kase.subject))
            mismatches.push(`${cell}: the refusal shows the case's subject`);
          // Nor does what an observer reads.
          const observes = ctx.scopes.includes('observe') && !ctx.scopes.includes('offices');
          if (target === 'own' && observes && JSON.stringify(answer.body ?? '').includes(kase.subject))
            mismatches.push(`${cell}: an observer is shown the case's subject`);
        }),
      );
    }
    expect(mismatches).toEqual([]);
    const floor = tried.length * actors.length;
    console.log(
      `Authorisation matrix: ${tried.length} routes x ${actors.length} actors (${ROLES.length} roles and unauthenticated) x targets ` +
        `(own office, other office, practice case for the case routes) = ${tested} requests`,
    );
    expect(tested).toBeGreaterThan(floor);
  }, 120_000);
});

describe('scoped reads and writes, beyond the matrix', () => {
  const actor = (role: Role) => actors.find((a) => a.role === role)!;

  it('lists only what is in reach: nothing of office B, own items of A (or practice cases)', async () => {
    for (const role of ROLES) {
      const { headers } = actor(role);
      const allowed = decide('cases.list', { roles: [role] });
      if (!allowed.allowed) continue;
      const [ofB, all, practiceOfB] = await Promise.all([
        as(headers).get(`/cases?officeId=${f.officeB}`),
        as(headers).get('/cases?practice=all&limit=200'),
        as(headers).get(`/cases?practice=true&subject=${f.cases.practice.subject}`),
      ]);
      expect({ role, status: ofB.status, items: ofB.body.items }).toEqual({ role, status: 200, items: [] });
      expect(all.status).toBe(200);
      const out = all.body.items.filter((c: any) => !c.practice && ![f.officeA, f.officeA2].includes(c.officeId));
      expect({ role, out }).toEqual({ role, out: [] });
      expect(all.body.items.map((c: any) => c.id)).not.toContain(f.cases.other.id);
      const own = all.body.items.find((c: any) => c.id === f.cases.own.id);
      if (allowed.scopes.includes('offices'))
        expect({ role, masked: own?.masked, subject: own?.subject }).toEqual({ role, masked: false, subject: f.cases.own.subject });
      else if (allowed.scopes.includes('observe'))
        expect({ role, masked: own?.masked, subject: own?.subject }).toEqual({ role, masked: true, subject: '***' });
      else expect(own).toBeUndefined();
      expect({ role, practice: practiceOfB.body.items.map((c: any) => c.id) }).toEqual({ role, practice: [f.cases.practice.id] });
    }
  });

  it("lists in the worklist nothing of office B's, nor practice cases", async () => {
    for (const role of ROLES) {
      if (!decide('worklist.read', { roles: [role] }).allowed) continue;
      const { headers } = actor(role);
      const ofB = await as(headers).get(`/worklist?scope=office&officeId=${f.officeB}`);
      expect({ role, status: ofB.status, items: ofB.body.items }).toEqual({ role, status: 200, items: [] });
      const listed: string[] = [];
      for (let cursor = ''; ;) {
        const page = await as(headers).get(`/worklist?scope=office&limit=200${cursor}`);
        listed.push(...page.body.items.map((c: any) => c.caseId));
        if (!page.body.nextCursor) break;
        cursor = `&cursor=${page.body.nextCursor}`;
      }
      expect({ role, own: listed.includes(f.cases.own.id), other: listed.includes(f.cases.other.id) }).toEqual({
        role,
        own: true,
        other: false,
      });
      expect(listed).not.toContain(f.cases.practice.id);
    }
  });

  it("a case manager of A reads nothing of B's case: 404, and the problem does not show its subject", async () => {
    const { headers } = actor('case_manager');
    const id = f.cases.other.id;
    const reads = ['', '/history', '/transitions', '/replay', '/stream', '/inspection'];
    const answers = await Promise.all(
      reads.map((suffix) =>
        send(
          { method: 'GET', path: `/cases/:id${suffix}`, key: '', action: 'cases.read' },
          { request: () => ({ path: '' }), stream: suffix.endsWith('stream') || suffix.endsWith('inspection') ? true : undefined },
          { path: `/cases/${id}${suffix}` },
          headers,
        ),
      ),
    );
    for (const [i, answer] of answers.entries()) {
      expect({ read: reads[i], status: answer.status, code: answer.body?.code }).toEqual({
        read: reads[i],
        status: 404,
        code: 'CASE_NOT_FOUND',
      });
      expect(JSON.stringify(answer.body)).not.toContain(f.cases.other.subject);
    }
    // Nor does it act on it.
    const act = await as(headers).post(`/cases/${id}/events`, { type: 'INTAKE_SESSION_HELD', mode: 'individual', minutes: 30 });
    expect([act.status, act.body.code]).toEqual([404, 'CASE_NOT_FOUND']);
  });

  it("a supervisor of an office C that supervises B reaches B's cases", async () => {
    const supervisor = await t.newOperator({ roles: ['supervisor'] });
    const api = as(supervisor.headers);
    expect((await api.get(`/cases/${f.cases.other.id}`)).status).toBe(404);
    await adminPatch(`/admin/offices/${supervisor.officeId}`, { supervisesOfficeIds: [f.officeB] });
    const [read, history, listed] = await Promise.all([
      api.get(`/cases/${f.cases.other.id}`),
      api.get(`/cases/${f.cases.other.id}/history`),
      api.get(`/cases?officeId=${f.officeB}`),
    ]);
    expect([read.status, read.body.subject]).toEqual([200, f.cases.other.subject]);
    expect(history.status).toBe(200);
    expect(listed.body.items.map((c: any) => c.id)).toContain(f.cases.other.id);
    // It may open a case in B too (B is in reach), left unassigned: B is not one of its own offices.
    const opened = await api.post('/cases', { pathway: 'person', subject: taxCode(), officeId: f.officeB });
    expect([opened.status, opened.body.officeId, opened.body.assignee]).toEqual([201, f.officeB, null]);
    // Nor does it reach further: A's cases stay out.
    expect((await api.get(`/cases/${f.cases.own.id}`)).status).toBe(404);
  });

  it('a trainer opens practice cases only: a real case is 403, in any office', async () => {
    const { headers } = actor('trainer');
    const api = as(headers);
    const [real, inA, practice] = await Promise.all([
      api.post('/cases', { pathway: 'person', subject: taxCode() }),
      api.post('/cases', { pathway: 'person', subject: taxCode(), officeId: f.officeA }),
      api.post('/cases', { pathway: 'person', subject: taxCode(), practice: true }),
    ]);
    expect([real.status, real.body.code]).toEqual([403, 'FORBIDDEN']);
    expect([inA.status, inA.body.code]).toEqual([403, 'FORBIDDEN']);
    expect([practice.status, practice.body.practice]).toEqual([201, true]);
  });

  it.each([
    ['/inspector', '/auth/login?next=%2Finspector'],
    ['/', '/auth/login?next=%2F'],
    ['/docs', '/auth/login?next=%2Fdocs'],
  ])('sends a browser with no session that asks for the page %s to the sign-in page (303)', async (path, location) => {
    const response = await fetch(`${t.url}${path}`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(location);
    // Not a browser: the same page is a 401 problem.
    expect((await fetch(`${t.url}${path}`, { headers: { accept: 'application/json' } })).status).toBe(401);
  });

  it('refuses a cookie-authenticated write from another origin (CSRF), and takes it from its own', async () => {
    const login = await as({}).post('/auth/login', f.signer);
    expect(login.status).toBe(200);
    const cookie = login.headers
      .getSetCookie()
      .find((c) => c.startsWith('percorsi_session='))!
      .split(';')[0];
    const body = () => ({ pathway: 'person', subject: taxCode() });
    const foreign = await as({ cookie, origin: 'https://evil.example' }).post('/cases', body());
    expect([foreign.status, foreign.body.code]).toEqual([403, 'FORBIDDEN']);
    const own = await as({ cookie, origin: t.url }).post('/cases', body());
    expect([own.status, own.body.officeId]).toEqual([201, f.officeA]);
    // Reads with the cookie need no Origin.
    expect((await as({ cookie }).get(`/cases/${own.body.id}`)).status).toBe(200);
  });
});
