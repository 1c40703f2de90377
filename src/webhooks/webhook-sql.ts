/**
 * SQL shared by the outbox writes (in the event's own statement) and by replays, so that a
 * replayed webhook is byte-for-byte the body the live one had.
 */

/** Timestamps as JavaScript's toISOString writes them (UTC, milliseconds, Z). */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The webhook type of a case event (SQL, from the event's type): the scheduler's notices that a
 * legal deadline approaches or has passed have their own; every other event is `case.transitioned`.
 */
export const webhookTypeSql = (eventType: string) => `(CASE ${eventType}
  WHEN 'DEADLINE_APPROACHING' THEN 'case.deadline.approaching'
  WHEN 'DEADLINE_OVERDUE' THEN 'case.deadline.overdue'
  ELSE 'case.transitioned' END)`;

/** The webhook body (`case.transitioned`, `case.deadline.*`) built from a case_events row `e` and its case's pathway. */
export const transitionPayloadSql = (e: string, pathway: string) => `jsonb_build_object(
  'id', ${e}.id,
  'type', ${webhookTypeSql(`${e}.type`)},
  'timestamp', ${iso(`${e}.recorded_at`)},
  'data', jsonb_build_object(
    'caseId', ${e}.case_id,
    'pathway', ${pathway},
    'sequence', ${e}.sequence,
    'event', ${e}.type,
    'payload', ${e}.payload,
    'from', ${e}.state_before,
    'to', ${e}.state_after,
    'services', ${e}.services_after,
    'actor', ${e}.actor,
    'occurredAt', ${iso(`${e}.occurred_at`)}
  )
)`;

/**
 * Whether subscription `s` wants an event: enabled, or disabled only because its endpoint kept
 * failing (its deliveries wait, paused, so that nothing is lost when it is enabled again; disabled
 * by hand or by a 410, it receives nothing); its pathway listed (or none listed); its type or its
 * service listed (or neither list given). A null service matches no service filter.
 */
export const subscriptionMatchesSql = (
  s: string,
  pathway: string,
  type: string,
  service: string,
) => `(${s}.enabled OR ${s}.disabled_reason = 'failing')
  AND (cardinality(${s}.filter_pathways) = 0 OR ${pathway} = ANY(${s}.filter_pathways))
  AND ((cardinality(${s}.filter_types) = 0 AND cardinality(${s}.filter_services) = 0)
       OR ${type} = ANY(${s}.filter_types) OR ${service} = ANY(${s}.filter_services))`;

/** The channel on which replicas wake each other's dispatchers (PostgreSQL only). */
export const OUTBOX_CHANNEL = 'percorsi_webhooks';

/**
 * A CTE appended to an event's statement, after a CTE `appended` that RETURNS the new case_events
 * row: one delivery per matching subscription (none for a practice case). $pathway and $service are parameter placeholders,
 * $now the statement's clock. No NOTIFY here: a transaction that notifies holds PostgreSQL's
 * notification-queue lock through its commit, which would serialise every event's commit; the
 * dispatcher is woken in-process after the commit, and it tells the other replicas (batched).
 */
export const outboxCtes = (args: { pathway: string; service: string; now: string; practice: string }) => `outbox AS (
  INSERT INTO webhook_deliveries (id, subscription_id, event_id, case_id, sequence, type, event_type, payload, status, attempts, next_attempt_at, created_at, updated_at)
  SELECT gen_random_uuid(), s.id, e.id, e.case_id, e.sequence, ${webhookTypeSql('e.type')}, e.type, ${transitionPayloadSql('e', `${args.pathway}::text`)},
         'pending', 0, ${args.now}, ${args.now}, ${args.now}
  FROM appended e, webhook_subscriptions s
  WHERE NOT ${args.practice}::boolean AND ${subscriptionMatchesSql('s', `${args.pathway}::text`, 'e.type', `${args.service}::text`)}
  RETURNING 1
)`;
