import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { WebhookDeliveryEntity } from './webhook-delivery.entity.js';

/** One HTTP attempt of a delivery: the delivery log. */
@Entity({ name: 'webhook_attempts' })
@Index('IDX_webhook_attempts_delivery', ['deliveryId', 'attempt'])
export class WebhookAttemptEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'delivery_id', type: 'uuid' })
  deliveryId!: string;

  @ManyToOne(() => WebhookDeliveryEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'delivery_id' })
  delivery?: WebhookDeliveryEntity;

  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs!: number;

  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode!: number | null;

  /** dns, connect, timeout, tls, network, http_status or blocked; null on success. */
  @Column({ name: 'error_class', type: 'varchar', length: 16, nullable: true })
  errorClass!: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  error!: string | null;

  /** The first 4 KiB of the response body. */
  @Column({ name: 'response_body', type: 'text' })
  responseBody!: string;

  /** What followed: succeeded, retrying, failed (the last attempt) or paused (subscription disabled). */
  @Column({ type: 'varchar', length: 16 })
  outcome!: string;
}
