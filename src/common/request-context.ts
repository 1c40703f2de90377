import type { Request } from 'express';
import type { OperatorKind } from '../../machines/index.js';
import type { Language } from '../config/app-config.js';

/**
 * Who acts on a case, as the machines and the history see it: the signed-in operator, with the
 * kind of their agency (a CPI or an accredited agency: the CPI-only acts depend on it).
 */
export interface Actor {
  /** The operator's id in the registry. */
  id: string;
  username: string;
  kind: OperatorKind;
  /** How the request was authenticated. */
  via: 'session' | 'token' | 'oidc';
  /** A person's account or a service account (another system). */
  account: 'person' | 'service';
}

/**
 * The cases a request reaches (set by the PolicyGuard from the policy's scopes): the real cases of
 * `officeIds` (the actor's offices and those they supervise), and every practice case if `practice`;
 * and, as an observer (read-only, personal data masked), the real cases of `observedOfficeIds`.
 */
export interface CaseAccess {
  officeIds: string[];
  practice: boolean;
  /**
   * The actor's own offices (not the supervised ones): the default office of a new case when there
   * is one, and where a case they open is assigned to them.
   */
  ownOfficeIds: string[];
  /** The policy's `observe` scope (trainers): real cases of these offices are read masked and never written. */
  observedOfficeIds: string[];
}

/** The request as the service sees it once the PolicyGuard has run. */
export type AppRequest = Request & { actor?: Actor; caseAccess?: CaseAccess; language?: Language; id?: unknown };

/** How a request reaches a case: in full, as an observer (read-only, personal data masked), or not at all. */
export type Reach = 'full' | 'observer' | null;

export function reachOf(access: CaseAccess, target: { officeId: string | null; practice: boolean }): Reach {
  if ((target.practice && access.practice) || (target.officeId !== null && access.officeIds.includes(target.officeId))) return 'full';
  // Observers see real cases only: a practice case is reached through `practice` or not at all.
  if (!target.practice && target.officeId !== null && access.observedOfficeIds.includes(target.officeId)) return 'observer';
  return null;
}

/** Whether a case (its office, whether it is a practice case) is within full reach: read in full and written. */
export const reaches = (access: CaseAccess, target: { officeId: string | null; practice: boolean }): boolean =>
  reachOf(access, target) === 'full';
