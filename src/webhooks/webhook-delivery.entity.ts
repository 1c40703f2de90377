import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity.js';

/**
 * The outbox: one row per event and subscription, written in the event's own statement. The
 * dispatcher claims due rows (FOR UPDATE SKIP LOCKED, with a lease) and records each attempt.
 */
@Entity({ name: 'webhook_deliveries' })
@Index('UQ_webhook_deliveries_event_subscription', ['eventId', 'subscriptionId'], { unique: true })
@Index('IDX_webhook_deliveries_due', ['status', 'nextAttemptAt'])
@Index('IDX_webhook_deliveries_case_order', ['subscriptionId', 'caseId', 'sequence'])
@Index('IDX_webhook_deliveries_subscription_created', ['subscriptionId', 'createdAt'])
export class WebhookDeliveryEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'subscription_id', type: 'uuid' })
  subscriptionId!: string;

  @ManyToOne(() => WebhookSubscriptionEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'subscription_id' })
  subscription?: WebhookSubscriptionEntity;

  /** The webhook-id: the case event's id (or a test message's), the same on every retry and replay. */
  @Column({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ name: 'case_id', type: 'uuid', nullable: true })
  caseId!: string | null;

  @Column({ type: 'integer', nullable: true })
  sequence!: number | null;

  /** `case.transitioned` or `webhook.test`. */
  @Column({ type: 'varchar', length: 64 })
  type!: string;

  @Column({ name: 'event_type', type: 'varchar', length: 64, nullable: true })
  eventType!: string | null;

  /** The request body, as JSON. */
  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  /** pending, in_flight, succeeded or failed (paused = pending on a disabled subscription). */
  @Column({ type: 'varchar', length: 16 })
  status!: string;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz' })
  nextAttemptAt!: Date;

  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  @Column({ name: 'last_status_code', type: 'integer', nullable: true })
  lastStatusCode!: number | null;

  @Column({ name: 'last_error_class', type: 'varchar', length: 16, nullable: true })
  lastErrorClass!: string | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;

  /** When the delivery was (last) queued: at the commit, or at a replay or manual retry. */
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
