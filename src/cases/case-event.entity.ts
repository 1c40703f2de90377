import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { CaseEntity } from './case.entity.js';

/**
 * The append-only history: one row per applied event, numbered 1, 2, 3... per case with no gap
 * (sequence 1 is the opening of the case). `payload` is the event exactly as the machine received
 * it, so replaying the rows through the machine rebuilds the case.
 */
@Entity({ name: 'case_events' })
@Index('UQ_case_events_case_sequence', ['caseId', 'sequence'], { unique: true })
@Index('IDX_case_events_recorded', ['recordedAt'])
export class CaseEventEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'case_id', type: 'uuid' })
  caseId!: string;

  @ManyToOne(() => CaseEntity, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'case_id' })
  case?: CaseEntity;

  @Column({ type: 'integer' })
  sequence!: number;

  @Column({ type: 'varchar', length: 64 })
  type!: string;

  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ name: 'state_before', type: 'jsonb', nullable: true })
  stateBefore!: unknown;

  @Column({ name: 'state_after', type: 'jsonb' })
  stateAfter!: unknown;

  /** Each service's status after the event (webhooks carry it; replays rebuild it from here). */
  @Column({ name: 'services_after', type: 'jsonb', nullable: true })
  servicesAfter!: Record<string, string> | null;

  @Column({ type: 'jsonb' })
  actor!: Record<string, unknown>;

  /** When the act took place (the event's `at`). */
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  /** When the service recorded it. */
  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 255, nullable: true })
  idempotencyKey!: string | null;
}
