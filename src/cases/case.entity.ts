import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { OfficeEntity, OperatorEntity } from '../identity/identity.entities.js';

/**
 * One person's or company's case: the machine snapshot it runs on, plus columns derived from it
 * for queries. `version` equals the sequence of the case's last event (optimistic concurrency, ETag).
 */
@Entity({ name: 'cases' })
@Index('IDX_cases_created', ['createdAt', 'id'])
@Index('IDX_cases_pathway_status', ['pathway', 'status', 'createdAt', 'id'])
@Index('IDX_cases_office', ['officeId', 'createdAt', 'id'])
@Index('IDX_cases_assignee', ['assigneeId', 'createdAt', 'id'])
// Indexes TypeORM cannot declare, made by the migrations: lower(subject) for the case-insensitive
// filter, GIN for the service-status and state filters.
@Index('IDX_cases_subject_lower', { synchronize: false })
@Index('IDX_cases_services', { synchronize: false })
@Index('IDX_cases_state_paths', { synchronize: false })
// The indicators' join of the acts to their cases, index-only (INCLUDE columns): made by migration 1796530000000.
@Index('IDX_cases_office_subject', { synchronize: false })
// The worklist's: by coalesce(next_due_by, 'infinity'), active real cases only (migration 1796550000000).
@Index('IDX_cases_worklist_office', { synchronize: false })
@Index('IDX_cases_worklist_assignee', { synchronize: false })
export class CaseEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'varchar', length: 32 })
  pathway!: string;

  @Column({ name: 'machine_version', type: 'varchar', length: 32 })
  machineVersion!: string;

  @Column({ type: 'varchar', length: 200 })
  subject!: string;

  /** The office the case belongs to: who reaches it (null only for a practice case opened by someone in no office). */
  @Column({ name: 'office_id', type: 'uuid', nullable: true })
  officeId!: string | null;

  @ManyToOne(() => OfficeEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'office_id', foreignKeyConstraintName: 'FK_cases_office' })
  office?: OfficeEntity;

  /** The operator in charge of the case, if any (scope=mine). */
  @Column({ name: 'assignee_id', type: 'uuid', nullable: true })
  assigneeId!: string | null;

  @ManyToOne(() => OperatorEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'assignee_id', foreignKeyConstraintName: 'FK_cases_assignee' })
  assignee?: OperatorEntity;

  /** The data the case was opened with (the machine's input). */
  @Column({ type: 'jsonb' })
  input!: Record<string, unknown>;

  /** XState's persisted snapshot. */
  @Column({ type: 'jsonb' })
  snapshot!: Record<string, unknown>;

  /** `active` or `done` (the machine reached a final state). */
  @Column({ type: 'varchar', length: 16 })
  status!: string;

  /** Every active state node, as dotted paths (`open`, `open.guidance`, `open.guidance.active`). */
  @Column({ name: 'state_paths', type: 'text', array: true })
  statePaths!: string[];

  /** Each service's status: {"A1": "completed", "A2": "active", ...}. */
  @Column({ type: 'jsonb' })
  services!: Record<string, string>;

  @Column({ type: 'integer' })
  version!: number;

  /** A trainee's practice case (the inspector's sandbox): never sent to webhooks, never counted in indicators. */
  @Column({ type: 'boolean', default: false })
  practice!: boolean;

  /** The earliest due day among the case's pending deadlines (null: none): the worklist's order. */
  @Column({ name: 'next_due_by', type: 'date', nullable: true })
  nextDueBy!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
