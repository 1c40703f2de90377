import { Inject, Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { ProblemException } from '../common/problem.js';
import type { AppRequest, CaseAccess } from '../common/request-context.js';
import { ACTION_KEY } from '../policy/can.js';
import { decide, isAction, POLICY, type Action, type CaseScope, type Rule } from '../policy/policy.js';
import { Authenticator } from './authenticator.js';
import { assertSameOrigin, signInRedirect, unauthenticated, type IdentityRequest } from './identity.guard.js';
import type { Principal } from './principal.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one gate of every route (a global guard): reads the route's action (@Can), authenticates the
 * request (session cookie or Bearer token), asks the policy table, checks that a cookie-authenticated
 * write comes from the service's own pages, and sets the principal, the actor and the cases in reach
 * on the request. Deny by default: a route without an action is refused.
 */
@Injectable()
export class PolicyGuard implements CanActivate {
  private readonly logger = new Logger('PolicyGuard');

  constructor(
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AppRequest & IdentityRequest>();
    const action = this.reflector.getAllAndOverride<unknown>(ACTION_KEY, [context.getHandler(), context.getClass()]);
    if (!isAction(action)) {
      this.logger.error(`${request.method} ${request.path}: the route names no policy action (@Can); refused`);
      throw forbidden(
        'This route has no access rule: refused until it has one.',
        'Questa operazione non ha una regola di accesso: rifiutata finché non ne avrà una.',
      );
    }
    if ('open' in POLICY[action]) return true;
    const principal = await this.authenticator.authenticate(request);
    const decision = decide(action, principal);
    if (!decision.allowed) {
      if (decision.reason === 'unauthenticated') {
        const rule: Rule = POLICY[action];
        const location = rule.page ? signInRedirect(request) : null;
        // The redirect is sent; the problem that follows finds the answer gone and only ends it.
        if (location) context.switchToHttp().getResponse<Response>().redirect(303, location);
        throw unauthenticated();
      }
      throw forbidden(
        `Not allowed for the roles ${principal!.roles.join(', ') || '(none)'}.`,
        `Operazione non consentita ai ruoli ${principal!.roles.join(', ') || '(nessuno)'}.`,
      );
    }
    if (principal!.via === 'session' && !SAFE_METHODS.has(request.method)) assertSameOrigin(request);
    request.principal = principal!;
    request.actor = actorOf(principal!);
    request.caseAccess = caseAccessOf(principal!, decision.scopes);
    return true;
  }
}

const forbidden = (en: string, it: string) => new ProblemException('FORBIDDEN', { it, en });

/** The actor recorded on the events: a CPI operator, or else (an accredited agency, no agency) accredited. */
export const actorOf = (principal: Principal) => ({
  id: principal.operator.id,
  username: principal.operator.username,
  kind: principal.agency?.kind === 'cpi' ? ('cpi' as const) : ('accredited' as const),
  via: principal.via,
  account: principal.operator.kind,
});

export function caseAccessOf(principal: Principal, scopes: readonly CaseScope[]): CaseAccess {
  const offices = scopes.includes('offices');
  return {
    officeIds: offices ? principal.reachableOfficeIds : [],
    ownOfficeIds: offices ? principal.officeIds : [],
    practice: scopes.includes('practice') || offices,
    // The same offices as `offices`; a role that reaches them in full does not observe them.
    observedOfficeIds: scopes.includes('observe') && !offices ? principal.reachableOfficeIds : [],
  };
}

export type { Action };
