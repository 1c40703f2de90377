import { and, assign, type Assigner, type PropertyAssigner } from 'xstate';
import { emptyServiceRecord, msOf, sessionOf, type CaseContextBase, type EventBase, type ServiceRecord } from './case.js';
import { SERVICES, type DeliveryMode, type ServiceKey } from './repertory.js';
import type { GuardParams } from './guards.js';

/** A reference to a named guard, as written in a machine body. */
export type GuardRef = string | { type: string; params: GuardParams };

/**
 * The guard of a transition: the payload and date checks every event needs, then the given named
 * guards. Written as XState's `and` of named guards so that `explain` can evaluate each one.
 */
export const checks = (...guards: GuardRef[]) => and(['payloadValid', 'dateNotInFuture', ...guards] as never[]);

/** The access precondition of a service, from the repertory. */
export function accessGuards(service: ServiceKey): GuardRef[] {
  const access = SERVICES[service].access;
  const refs: GuardRef[] = [];
  if (access.after.length > 0) refs.push({ type: 'precedingServicesCompleted', params: { service } });
  if (access.afterOrWith.length > 0) refs.push({ type: 'precedingOrConcurrentServiceStarted', params: { service } });
  if (access.pattoSigned) refs.push('pattoSigned', 'dateNotBeforePatto');
  if (access.specificNeed) refs.push('specificNeedRecorded');
  return refs;
}

/** Delivery mode and minimum duration of a session of a service, from the repertory. */
export const sessionGuards = (service: ServiceKey): GuardRef[] => [
  { type: 'modeAllowed', params: { service } },
  { type: 'minimumDuration', params: { service } },
];

/**
 * What completing a service requires, from the repertory: the minimum number of meetings, for a
 * service whose standard sets one (A.4: two). Every completion transition of both machines uses it.
 */
export const completionGuards = (service: ServiceKey): GuardRef[] =>
  SERVICES[service].minMeetings === undefined ? [] : [{ type: 'minimumMeetings', params: { service } }];

/** Guard referring to one of a service's acts that needs the service under way. */
export const startedGuard = (service: ServiceKey): GuardRef => ({ type: 'serviceStarted', params: { service } });

/** `assign` bound to a machine's context and event union, so actions can be written outside `setup`. */
export const assigner =
  <C extends CaseContextBase, E extends EventBase>() =>
  <P = undefined>(fn: Assigner<C, E, P, E, never> | PropertyAssigner<C, E, P, E, never>) =>
    assign<C, E, P, E, never>(fn);

/**
 * What the shared actions read: the envelope, and the session and closing fields of the events that
 * have them. A pathway's event union fits it as long as no event gives these names another type.
 */
export type ServiceEvent = EventBase & { mode?: DeliveryMode; minutes?: number; reason?: string | null };

type ServiceMap<C extends CaseContextBase> = C['services'];

/** The actions every pathway shares: sessions, completion and closing, over `context.services`. */
export function serviceActions<C extends CaseContextBase, E extends ServiceEvent>() {
  const update = assigner<C, E>();
  const withService = (context: C, key: ServiceKey, change: (r: ServiceRecord) => ServiceRecord) =>
    ({ ...context.services, [key]: change(context.services[key] ?? emptyServiceRecord()) }) as ServiceMap<C>;
  return {
    /** Starts the service if needed and records a session of it. */
    recordSession: update<GuardParams>(
      ({ context, event }, params) =>
        ({
          services: withService(context, params.service as ServiceKey, (r) => ({
            ...r,
            // A session recorded late, but held earlier, moves the start back.
            startedAt: r.startedAt !== null && !(msOf(event.at) < msOf(r.startedAt)) ? r.startedAt : event.at,
            sessions: [...r.sessions, sessionOf(event)],
          })),
        }) as Partial<C>,
    ),
    /** Starts a service with an act that is not a session (B.1 contact, B.4 first candidate). */
    startService: update<GuardParams>(
      ({ context, event }, params) =>
        ({
          services: withService(context, params.service as ServiceKey, (r) => ({ ...r, startedAt: r.startedAt ?? event.at })),
        }) as Partial<C>,
    ),
    completeService: update<GuardParams>(
      ({ context, event }, params) =>
        ({
          services: withService(context, params.service as ServiceKey, (r) => ({ ...r, completedAt: event.at })),
        }) as Partial<C>,
    ),
    /** Closing a case records the outcome and ends every service under way on that day. */
    close: update<{ outcome: string }>(
      ({ context, event }, params) =>
        ({
          outcome: { kind: params.outcome, at: event.at, reason: event.reason ?? null },
          services: Object.fromEntries(
            Object.entries(context.services).map(([k, r]) => [k, r && r.startedAt && !r.completedAt ? { ...r, completedAt: event.at } : r]),
          ),
        }) as Partial<C>,
    ),
  };
}
