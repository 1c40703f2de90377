import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { CaseEntity } from './case.entity.js';

/**
 * A legal deadline of a case (D.Lgs. 181/2000 art. 3): its due day, and whether it is still pending,
 * met or waived (the case closed before meeting it). Written in the same statement as the event that
 * creates or meets it. Overdue is derived (pending, and the day has passed in Europe/Rome); the
 * scheduler's system events are remembered in `approachingAt` and `overdueAt`, each at most once.
 */
@Entity({ name: 'case_deadlines' })
@Check('CHK_case_deadlines_state', `"state" IN ('pending', 'met', 'waived')`)
@Index('IDX_case_deadlines_pending', ['dueBy'], { where: `"state" = 'pending'` })
export class CaseDeadlineEntity {
  @PrimaryColumn({ name: 'case_id', type: 'uuid', primaryKeyConstraintName: 'PK_case_deadlines' })
  caseId!: string;

  @ManyToOne(() => CaseEntity, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'case_id', foreignKeyConstraintName: 'FK_case_deadlines_case' })
  case?: CaseEntity;

  /** guidance_interview | measure_proposal (LEGAL_DEADLINES in machines/repertory.ts). */
  @PrimaryColumn({ name: 'deadline_id', type: 'varchar', length: 64, primaryKeyConstraintName: 'PK_case_deadlines' })
  deadlineId!: string;

  /** The last day on which the deadline is met (a calendar day in Europe/Rome). */
  @Column({ name: 'due_by', type: 'date' })
  dueBy!: string;

  @Column({ type: 'varchar', length: 16 })
  state!: string;

  @Column({ name: 'met_at', type: 'timestamptz', nullable: true })
  metAt!: Date | null;

  /** When the scheduler recorded DEADLINE_APPROACHING. */
  @Column({ name: 'approaching_at', type: 'timestamptz', nullable: true })
  approachingAt!: Date | null;

  /** When the scheduler recorded DEADLINE_OVERDUE. */
  @Column({ name: 'overdue_at', type: 'timestamptz', nullable: true })
  overdueAt!: Date | null;
}
