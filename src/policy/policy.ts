/**
 * Who may do what: the one table of Percorsi's authorisation (issue 14, "Authorisation on every
 * route"). Every route names one action with @Can(action); the PolicyGuard reads this table and
 * nothing else decides. A route without an action is refused (and fails the authorisation matrix test).
 *
 * Scopes say which cases an allowed role reaches:
 * - `offices`: cases of the offices the actor belongs to, and of the offices those supervise;
 * - `practice`: practice cases only (the inspector's sandbox), never a real person's data;
 * - `observe`: the real cases of the same offices as `offices`, as an observer (trainers): read with
 *   their personal data masked (subject and free text: special categories of personal data, GDPR
 *   art. 9, have no place in a training room), never written. A write on a case the actor only
 *   observes answers 403 FORBIDDEN (not 404: the observer knows the case exists).
 * A case outside an actor's scope answers 404 CASE_NOT_FOUND: its existence is not disclosed.
 */

export const ROLES = ['case_manager', 'supervisor', 'trainer', 'analyst', 'integration', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type CaseScope = 'offices' | 'practice' | 'observe';

/**
 * An action is open to everyone, to anyone signed in, or to roles (each with its scopes over cases,
 * or `true` for actions that touch no case). `page`: an HTML page, whose unauthenticated visitor is
 * sent to the sign-in page rather than answered 401.
 */
export type Rule = ({ open: true } | { signedIn: true } | { roles: Partial<Record<Role, CaseScope | readonly CaseScope[] | true>> }) & {
  page?: true;
};

const OPEN: Rule = { open: true };
const SIGNED_IN: Rule = { signedIn: true };

/**
 * Case work: case managers and supervisors on their offices' cases, integrations on their token's;
 * trainers on practice cases, and as observers on their offices' real cases (read masked, never written).
 */
const CASE_WORK: Rule = {
  roles: { case_manager: 'offices', supervisor: 'offices', integration: 'offices', trainer: ['practice', 'observe'] },
};
const ADMIN: Rule = { roles: { admin: true } };

export const POLICY = {
  // Health carries no data: load balancers and orchestrators probe it without credentials.
  'health.read': OPEN,
  // Signing in (and out), and the pages that lead to it.
  'auth.signIn': OPEN,
  'me.read': SIGNED_IN,
  // Personal tokens: any signed-in operator, never wider than themselves (checked by the token service).
  'tokens.manage': SIGNED_IN,
  // The standards themselves (diagrams, rules, the API's document): no personal data.
  'pathways.read': SIGNED_IN,
  'docs.read': { signedIn: true, page: true },
  // The inspector's page and its files; the data it shows come from the case routes, scoped there.
  'inspector.page': { signedIn: true, page: true },
  // The console's page and its files (GET /, /ui/...): likewise, the data come from the routes it calls.
  'console.page': { signedIn: true, page: true },
  // Cases: opened, listed, read, acted on, followed, replayed.
  // Opening: trainers open practice cases only (observing gives no office to open a real case in).
  'cases.open': { roles: { case_manager: 'offices', supervisor: 'offices', integration: 'offices', trainer: 'practice' } },
  'cases.list': CASE_WORK,
  'cases.read': CASE_WORK,
  'cases.act': CASE_WORK,
  'cases.follow': CASE_WORK,
  // Matching acts (A.6 / B.4): written as events on both cases, read as the cases are.
  'matches.write': CASE_WORK,
  'matches.read': CASE_WORK,
  // The worklist: what is due in one's offices, or on one's own cases.
  'worklist.read': { roles: { case_manager: 'offices', supervisor: 'offices' } },
  // Supervisors assign cases and transfer them between offices.
  'cases.assign': { roles: { supervisor: 'offices' } },
  // ... choosing among an office's operators (GET /offices/:id/assignees): the same supervisors, over the offices they reach.
  'offices.assignees': { roles: { supervisor: 'offices' } },
  // The Region's indicators (counts, no personal data): analysts, supervisors and admins, over their offices.
  'indicators.read': { roles: { analyst: 'offices', supervisor: 'offices', admin: 'offices' } },
  // Administration: agencies, offices, operators, the access log, webhooks (they ship case data anywhere).
  'admin.registry': ADMIN,
  'admin.accessLog': ADMIN,
  'webhooks.manage': ADMIN,
  // Delivery counters: no personal data; for operators of the service and monitoring integrations.
  'metrics.read': { roles: { admin: true, integration: true } },
} as const satisfies Record<string, Rule>;

export type Action = keyof typeof POLICY;

/** The actor as the policy sees it. */
export interface PolicySubject {
  roles: readonly Role[];
}

export type Decision = { allowed: true; scopes: CaseScope[] } | { allowed: false; reason: 'unauthenticated' | 'forbidden' };

/** Whether a principal (null: nobody signed in) may take an action, and over which cases. */
export function decide(action: Action, principal: PolicySubject | null): Decision {
  const rule: Rule = POLICY[action];
  if ('open' in rule) return { allowed: true, scopes: [] };
  if (!principal) return { allowed: false, reason: 'unauthenticated' };
  if ('signedIn' in rule) return { allowed: true, scopes: [] };
  const granted = principal.roles.filter((role) => rule.roles[role] !== undefined);
  if (granted.length === 0) return { allowed: false, reason: 'forbidden' };
  const scopes = granted.flatMap((role): readonly CaseScope[] => {
    const scope = rule.roles[role];
    if (scope === true || scope === undefined) return [];
    return typeof scope === 'string' ? [scope] : scope;
  });
  return { allowed: true, scopes: [...new Set(scopes)] };
}

export const isAction = (value: unknown): value is Action => typeof value === 'string' && Object.hasOwn(POLICY, value);
