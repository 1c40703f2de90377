import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiCookieAuth, ApiResponse, ApiSecurity } from '@nestjs/swagger';
import { problemContent, PROBLEM_HEADERS } from '../common/openapi.js';
import { POLICY, type Action } from './policy.js';

export const ACTION_KEY = 'percorsi:action';

/**
 * The action a route performs, looked up in the policy table by the PolicyGuard. Every route has
 * one; in the OpenAPI document it adds the credentials the route takes and its 401 and 403.
 */
export function Can(action: Action) {
  const rule = POLICY[action];
  if ('open' in rule) return SetMetadata(ACTION_KEY, action);
  return applyDecorators(
    SetMetadata(ACTION_KEY, action),
    ApiCookieAuth('session'),
    ApiSecurity('bearer'),
    ApiResponse({
      status: 401,
      description: '`UNAUTHENTICATED`: no session cookie or Bearer token, or one that is expired, revoked or unknown.',
      content: problemContent(['UNAUTHENTICATED']),
      headers: PROBLEM_HEADERS.UNAUTHENTICATED,
    }),
    ApiResponse({
      status: 403,
      description: `\`FORBIDDEN\`: ${describe(action)}`,
      content: problemContent(['FORBIDDEN']),
    }),
  );
}

/** Who may, in words, for the 403's description. */
function describe(action: Action): string {
  const rule = POLICY[action];
  if (!('roles' in rule)) return 'a cookie-authenticated write from another origin.';
  const observers = Object.entries(rule.roles)
    .filter(([, scope]) => Array.isArray(scope) && scope.includes('observe'))
    .map(([role]) => role);
  const observing = observers.length
    ? `; for ${observers.join(', ')}, the real cases only observed (read-only, personal data masked): a write on one is refused`
    : '';
  return `only for the roles ${Object.keys(rule.roles).join(', ')} (or a cookie-authenticated write from another origin)${observing}.`;
}
