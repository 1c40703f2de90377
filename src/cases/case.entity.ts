import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One person's or company's case: the machine snapshot it runs on, plus columns derived from it
 * for queries. `version` equals the sequence of the case's last event (optimistic concurrency, ETag).
 */
@Entity({ name: 'cases' })
@Index('IDX_cases_created', ['createdAt', 'id'])
@Index('IDX_cases_pathway_status', ['pathway', 'status', 'createdAt', 'id'])
// Indexes TypeORM cannot declare, made by the migrations: lower(office) and lower(subject) for the
// case-insensitive filters, GIN for the service-status and state filters.
@Index('IDX_cases_office_lower', { synchronize: false })
@Index('IDX_cases_subject_lower', { synchronize: false })
@Index('IDX_cases_services', { synchronize: false })
@Index('IDX_cases_state_paths', { synchronize: false })
export class CaseEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'varchar', length: 32 })
  pathway!: string;

  @Column({ name: 'machine_version', type: 'varchar', length: 32 })
  machineVersion!: string;

  @Column({ type: 'varchar', length: 200 })
  subject!: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  office!: string | null;

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

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
