import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A receiver of transition webhooks: where, which transitions, in what order, signed with what. */
@Entity({ name: 'webhook_subscriptions' })
export class WebhookSubscriptionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  description!: string | null;

  /** Empty: every pathway. */
  @Column({ name: 'filter_pathways', type: 'text', array: true })
  filterPathways!: string[];

  /** Event types and services: an event matches either list; both empty: every event. */
  @Column({ name: 'filter_types', type: 'text', array: true })
  filterTypes!: string[];

  @Column({ name: 'filter_services', type: 'text', array: true })
  filterServices!: string[];

  /** `per-case` (event n+1 of a case only after n is settled) or `none`. */
  @Column({ type: 'varchar', length: 16 })
  ordering!: string;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  /** Why it is disabled: `manual`, `gone` (the receiver answered 410) or `failing`. */
  @Column({ name: 'disabled_reason', type: 'varchar', length: 16, nullable: true })
  disabledReason!: string | null;

  /** The signing secret, encrypted (SecretBox). */
  @Column({ type: 'varchar', length: 512 })
  secret!: string;

  /** The secret before the last rotation, still signing until `previous_secret_expires_at`. */
  @Column({ name: 'previous_secret', type: 'varchar', length: 512, nullable: true })
  previousSecret!: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt!: Date | null;

  @Column({ name: 'consecutive_failures', type: 'integer' })
  consecutiveFailures!: number;

  @Column({ name: 'failing_since', type: 'timestamptz', nullable: true })
  failingSince!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
