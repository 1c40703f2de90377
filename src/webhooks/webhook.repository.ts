import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Cursor } from '../common/request-parsing.js';
import { transitionPayloadSql, webhookTypeSql } from './webhook-sql.js';

export interface SubscriptionRow {
  id: string;
  url: string;
  description: string | null;
  filterPathways: string[];
  filterTypes: string[];
  filterServices: string[];
  ordering: 'per-case' | 'none';
  enabled: boolean;
  disabledReason: string | null;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  consecutiveFailures: number;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface DeliveryRow {
  id: string;
  subscriptionId: string;
  eventId: string;
  caseId: string | null;
  sequence: number | null;
  type: string;
  eventType: string | null;
  payload: Record<string, unknown>;
  status: string;
  attempts: number;
  nextAttemptAt: Date;
  leaseUntil: Date | null;
  lastStatusCode: number | null;
  lastErrorClass: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** The subscription is disabled: the delivery waits (paused). */
  paused?: boolean;
}

/** A claimed delivery with what is needed to send it. */
export interface ClaimedDelivery extends DeliveryRow {
  url: string;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
}

export interface AttemptRow {
  id: string;
  deliveryId: string;
  attempt: number;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  errorClass: string | null;
  error: string | null;
  responseBody: string;
  outcome: string;
}

/** An attempt to record (the row to be, without its id) and what it does to the delivery. */
export interface AttemptRecord extends Omit<AttemptRow, 'id' | 'outcome'> {
  subscriptionId: string;
  /** What the delivery becomes. */
  outcome: 'succeeded' | 'retrying' | 'failed' | 'paused';
  nextAttemptAt: Date | null;
  /** The receiver answered 410 Gone: disable the subscription. */
  gone: boolean;
  now: Date;
}

const SUBSCRIPTION_COLUMNS = `id, url, description, filter_pathways AS "filterPathways", filter_types AS "filterTypes",
  filter_services AS "filterServices", ordering, enabled, disabled_reason AS "disabledReason", secret,
  previous_secret AS "previousSecret", previous_secret_expires_at AS "previousSecretExpiresAt",
  consecutive_failures AS "consecutiveFailures", failing_since AS "failingSince", created_at AS "createdAt", updated_at AS "updatedAt"`;

const DELIVERY_COLUMNS = (
  d: string,
) => `${d}.id, ${d}.subscription_id AS "subscriptionId", ${d}.event_id AS "eventId", ${d}.case_id AS "caseId",
  ${d}.sequence, ${d}.type, ${d}.event_type AS "eventType", ${d}.payload, ${d}.status, ${d}.attempts,
  ${d}.next_attempt_at AS "nextAttemptAt", ${d}.lease_until AS "leaseUntil", ${d}.last_status_code AS "lastStatusCode",
  ${d}.last_error_class AS "lastErrorClass", ${d}.delivered_at AS "deliveredAt", ${d}.created_at AS "createdAt", ${d}.updated_at AS "updatedAt"`;

/**
 * The webhooks' SQL. Claims are one statement each, so several dispatchers can run on one database.
 * Every statement's top level is a SELECT: TypeORM answers a top-level UPDATE with [rows, count].
 */
@Injectable()
export class WebhookRepository {
  async insertSubscription(db: EntityManager, row: SubscriptionRow): Promise<void> {
    await db.query(
      `INSERT INTO webhook_subscriptions (id, url, description, filter_pathways, filter_types, filter_services, ordering, enabled,
         disabled_reason, secret, previous_secret, previous_secret_expires_at, consecutive_failures, failing_since, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL, 0, NULL, $11, $11)`,
      [
        row.id,
        row.url,
        row.description,
        row.filterPathways,
        row.filterTypes,
        row.filterServices,
        row.ordering,
        row.enabled,
        row.disabledReason,
        row.secret,
        row.createdAt,
      ],
    );
  }

  async findSubscription(db: EntityManager, id: string): Promise<SubscriptionRow | null> {
    const rows: SubscriptionRow[] = await db.query(`SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  async listSubscriptions(db: EntityManager): Promise<SubscriptionRow[]> {
    return db.query(`SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions ORDER BY created_at, id`);
  }

  /** Writes the subscription's editable fields as given (the service merges the patch). */
  async updateSubscription(db: EntityManager, row: SubscriptionRow): Promise<void> {
    await db.query(
      `UPDATE webhook_subscriptions SET url = $2, description = $3, filter_pathways = $4, filter_types = $5, filter_services = $6,
         ordering = $7, enabled = $8, disabled_reason = $9, secret = $10, previous_secret = $11, previous_secret_expires_at = $12,
         consecutive_failures = $13, failing_since = $14, updated_at = $15
       WHERE id = $1`,
      [
        row.id,
        row.url,
        row.description,
        row.filterPathways,
        row.filterTypes,
        row.filterServices,
        row.ordering,
        row.enabled,
        row.disabledReason,
        row.secret,
        row.previousSecret,
        row.previousSecretExpiresAt,
        row.consecutiveFailures,
        row.failingSince,
        row.updatedAt,
      ],
    );
  }

  async deleteSubscription(db: EntityManager, id: string): Promise<boolean> {
    const rows: unknown[] = await db.query(
      `WITH gone AS (DELETE FROM webhook_subscriptions WHERE id = $1 RETURNING id) SELECT id FROM gone`,
      [id],
    );
    return rows.length > 0;
  }

  async insertDelivery(
    db: EntityManager,
    args: { id: string; subscriptionId: string; eventId: string; type: string; payload: Record<string, unknown>; now: Date },
  ): Promise<void> {
    await db.query(
      `INSERT INTO webhook_deliveries (id, subscription_id, event_id, case_id, sequence, type, event_type, payload, status, attempts, next_attempt_at, created_at, updated_at)
       VALUES ($1, $2, $3, NULL, NULL, $4, NULL, $5, 'pending', 0, $6, $6, $6)`,
      [args.id, args.subscriptionId, args.eventId, args.type, args.payload, args.now],
    );
  }

  /**
   * Claims up to `limit` due deliveries for this dispatcher until `leaseUntil`: pending and due, or
   * in flight with an expired lease (a crashed dispatcher's). With per-case ordering a delivery
   * waits while an earlier one of its case and subscription is still pending or in flight.
   */
  async claimDue(db: EntityManager, args: { now: Date; leaseUntil: Date; limit: number }): Promise<ClaimedDelivery[]> {
    return db.query(
      `WITH due AS (
         SELECT d.id FROM webhook_deliveries d
         JOIN webhook_subscriptions s ON s.id = d.subscription_id AND s.enabled
         WHERE ((d.status = 'pending' AND d.next_attempt_at <= $1) OR (d.status = 'in_flight' AND d.lease_until < $1))
           AND (s.ordering = 'none' OR d.case_id IS NULL OR NOT EXISTS (
             SELECT 1 FROM webhook_deliveries p
             WHERE p.subscription_id = d.subscription_id AND p.case_id = d.case_id AND p.sequence < d.sequence
               AND p.status IN ('pending', 'in_flight')))
         ORDER BY d.next_attempt_at, d.sequence
         LIMIT $3
         FOR UPDATE OF d SKIP LOCKED
       ), claimed AS (
         UPDATE webhook_deliveries d SET status = 'in_flight', lease_until = $2, attempts = d.attempts + 1, updated_at = $1
         FROM due, webhook_subscriptions s
         WHERE d.id = due.id AND s.id = d.subscription_id
         RETURNING ${DELIVERY_COLUMNS('d')}, s.url, s.secret, s.previous_secret AS "previousSecret",
           s.previous_secret_expires_at AS "previousSecretExpiresAt"
       )
       SELECT * FROM claimed`,
      [args.now, args.leaseUntil, args.limit],
    );
  }

  /**
   * Extends, in one statement, the leases of the deliveries a dispatcher holds, each named by its id
   * and the attempt number of its claim: a delivery settled meanwhile, or claimed again by another
   * dispatcher (its lease had expired), has moved on and is left alone. Returns how many were renewed.
   */
  async renewLeases(db: EntityManager, args: { held: { id: string; attempts: number }[]; leaseUntil: Date }): Promise<number> {
    const rows: { renewed: number }[] = await db.query(
      `WITH renewed AS (
         UPDATE webhook_deliveries d SET lease_until = GREATEST(d.lease_until, $1)
         FROM unnest($2::uuid[], $3::int[]) AS h(id, attempts)
         WHERE d.id = h.id AND d.attempts = h.attempts AND d.status = 'in_flight'
         RETURNING 1
       )
       SELECT count(*)::int AS renewed FROM renewed`,
      [args.leaseUntil, args.held.map((h) => h.id), args.held.map((h) => h.attempts)],
    );
    return rows[0].renewed;
  }

  /**
   * Records an attempt and what follows, in one statement: the attempt row; the delivery's new
   * status (only if this dispatcher still holds it: a stale one must not overwrite a newer claim);
   * the subscription's failure count (reset by any success), and its disabling on 410.
   * Returns the subscription's failure state after the update.
   */
  async recordAttempt(db: EntityManager, r: AttemptRecord): Promise<{ consecutiveFailures: number; failingSince: Date | null } | null> {
    const ok = r.outcome === 'succeeded';
    const rows: { consecutiveFailures: number; failingSince: Date | null }[] = await db.query(
      `WITH attempt AS (
         INSERT INTO webhook_attempts (id, delivery_id, attempt, started_at, duration_ms, status_code, error_class, error, response_body, outcome)
         VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9)
       ), delivery AS (
         UPDATE webhook_deliveries SET
           status = CASE $9::text WHEN 'succeeded' THEN 'succeeded' WHEN 'failed' THEN 'failed' ELSE 'pending' END,
           lease_until = NULL, next_attempt_at = COALESCE($10, next_attempt_at),
           last_status_code = $5, last_error_class = $6, delivered_at = CASE WHEN $11 THEN $12::timestamptz ELSE delivered_at END, updated_at = $12
         WHERE id = $1 AND status = 'in_flight' AND attempts = $2
         RETURNING id
       ), subscription AS (
         UPDATE webhook_subscriptions SET
           consecutive_failures = CASE WHEN $11 THEN 0 ELSE consecutive_failures + 1 END,
           failing_since = CASE WHEN $11 THEN NULL ELSE COALESCE(failing_since, $3) END,
           enabled = CASE WHEN $13 THEN false ELSE enabled END,
           disabled_reason = CASE WHEN $13 THEN 'gone' ELSE disabled_reason END,
           updated_at = $12
         -- A stale attempt (its lease expired and another dispatcher took over) is logged, nothing more;
         -- a success on a healthy subscription changes nothing, so its row is not touched (no contention).
         WHERE id = $14 AND EXISTS (SELECT 1 FROM delivery)
           AND NOT ($11 AND consecutive_failures = 0 AND failing_since IS NULL AND NOT $13)
         RETURNING consecutive_failures AS "consecutiveFailures", failing_since AS "failingSince"
       )
       SELECT * FROM subscription`,
      [
        r.deliveryId,
        r.attempt,
        r.startedAt,
        Math.round(r.durationMs),
        r.statusCode,
        r.errorClass,
        r.error?.slice(0, 500) ?? null,
        r.responseBody,
        r.outcome,
        r.nextAttemptAt,
        ok,
        r.now,
        r.gone,
        r.subscriptionId,
      ],
    );
    return rows[0] ?? null;
  }

  async disableSubscription(db: EntityManager, args: { id: string; reason: string; now: Date }): Promise<void> {
    await db.query(`UPDATE webhook_subscriptions SET enabled = false, disabled_reason = $2, updated_at = $3 WHERE id = $1 AND enabled`, [
      args.id,
      args.reason,
      args.now,
    ]);
  }

  async listDeliveries(
    db: EntityManager,
    args: { subscriptionId: string; status?: string; caseId?: string; after?: Cursor; limit: number },
  ): Promise<DeliveryRow[]> {
    const where = ['d.subscription_id = $1'];
    const params: unknown[] = [args.subscriptionId];
    const add = (sql: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (args.status === 'paused') where.push(`d.status = 'pending' AND NOT s.enabled`);
    else if (args.status === 'pending') where.push(`d.status = 'pending' AND s.enabled`);
    else if (args.status) add((p) => `d.status = ${p}`, args.status);
    if (args.caseId) add((p) => `d.case_id = ${p}`, args.caseId);
    if (args.after) {
      params.push(args.after.createdAt, args.after.id);
      where.push(`(d.created_at, d.id) > ($${params.length - 1}, $${params.length})`);
    }
    params.push(args.limit);
    return db.query(
      `SELECT ${DELIVERY_COLUMNS('d')}, (d.status = 'pending' AND NOT s.enabled) AS paused
       FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
       WHERE ${where.join(' AND ')} ORDER BY d.created_at, d.id LIMIT $${params.length}`,
      params,
    );
  }

  async findDelivery(db: EntityManager, id: string): Promise<DeliveryRow | null> {
    const rows: DeliveryRow[] = await db.query(
      `SELECT ${DELIVERY_COLUMNS('d')}, (d.status = 'pending' AND NOT s.enabled) AS paused
       FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id WHERE d.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async listAttempts(db: EntityManager, deliveryId: string): Promise<AttemptRow[]> {
    return db.query(
      `SELECT id, delivery_id AS "deliveryId", attempt, started_at AS "startedAt", duration_ms AS "durationMs", status_code AS "statusCode",
         error_class AS "errorClass", error, response_body AS "responseBody", outcome
       FROM webhook_attempts WHERE delivery_id = $1 ORDER BY started_at, attempt`,
      [deliveryId],
    );
  }

  /**
   * Sends a settled (or waiting) delivery again now, with a fresh schedule; a delivery in flight is
   * left alone. `created_at` is when a delivery was last queued (the backlog's age counts from it).
   */
  async retryDelivery(db: EntityManager, args: { id: string; now: Date }): Promise<boolean> {
    const rows: unknown[] = await db.query(
      `WITH reset AS (
         UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $2, created_at = $2, updated_at = $2
         WHERE id = $1 AND status <> 'in_flight' RETURNING id
       )
       SELECT id FROM reset`,
      [args.id, args.now],
    );
    return rows.length > 0;
  }

  /**
   * Queues the committed events of a time range again for one subscription: existing deliveries
   * are reset (same webhook-id), missing ones are created. `keys` lists `pathway:TYPE` pairs the
   * subscription wants (its filter, and the types asked for). Returns how many were queued.
   */
  async replay(
    db: EntityManager,
    args: { subscriptionId: string; from: Date | null; to: Date | null; keys: string[]; now: Date },
  ): Promise<number> {
    const rows: { queued: number }[] = await db.query(
      `WITH queued AS (
         INSERT INTO webhook_deliveries (id, subscription_id, event_id, case_id, sequence, type, event_type, payload, status, attempts, next_attempt_at, created_at, updated_at)
         SELECT gen_random_uuid(), $1, e.id, e.case_id, e.sequence, ${webhookTypeSql('e.type')}, e.type, ${transitionPayloadSql('e', 'c.pathway')},
                'pending', 0, $5, $5, $5
         FROM case_events e JOIN cases c ON c.id = e.case_id
         WHERE ($2::timestamptz IS NULL OR e.recorded_at >= $2) AND ($3::timestamptz IS NULL OR e.recorded_at < $3)
           AND (c.pathway || ':' || e.type) = ANY($4::text[]) AND NOT c.practice
         ORDER BY e.case_id, e.sequence
         ON CONFLICT (event_id, subscription_id) DO UPDATE SET status = 'pending', attempts = 0, next_attempt_at = $5, lease_until = NULL, created_at = $5, updated_at = $5
           WHERE webhook_deliveries.status <> 'in_flight'
         RETURNING 1
       )
       SELECT count(*)::int AS queued FROM queued`,
      [args.subscriptionId, args.from, args.to, args.keys, args.now],
    );
    return rows[0].queued;
  }

  /** For /metrics: deliveries waiting, and the age of the oldest due one. */
  async backlog(
    db: EntityManager,
    now: Date,
  ): Promise<{ pending: number; paused: number; inFlight: number; oldestPendingSeconds: number }> {
    const rows: { pending: number; paused: number; inFlight: number; oldest: Date | null }[] = await db.query(
      `SELECT count(*) FILTER (WHERE d.status = 'pending' AND s.enabled)::int AS pending,
              count(*) FILTER (WHERE d.status = 'pending' AND NOT s.enabled)::int AS paused,
              count(*) FILTER (WHERE d.status = 'in_flight')::int AS "inFlight",
              min(d.created_at) FILTER (WHERE d.status IN ('pending', 'in_flight') AND s.enabled) AS oldest
       FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
       WHERE d.status IN ('pending', 'in_flight')`,
    );
    const row = rows[0];
    const oldestPendingSeconds = row.oldest ? Math.max(0, (now.getTime() - new Date(row.oldest).getTime()) / 1000) : 0;
    return { pending: row.pending, paused: row.paused, inFlight: row.inFlight, oldestPendingSeconds };
  }
}
