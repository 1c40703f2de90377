import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { OperatorEntity } from '../identity/identity.entities.js';
import { CaseEntity } from './case.entity.js';

/**
 * A matching act (A.6 / B.4): a person's case put forward for an employer's vacancy, recorded on
 * both cases in one transaction (SENT_TO_INTERVIEW and CANDIDATE_PUT_FORWARD, at the sequences
 * kept here), and its outcome once known.
 */
@Entity({ name: 'matches' })
@Check('CHK_matches_outcome', `"outcome" IN ('hired', 'not_selected')`)
@Index('IDX_matches_person', ['personCaseId', 'createdAt', 'id'])
@Index('IDX_matches_employer', ['employerCaseId', 'createdAt', 'id'])
export class MatchEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_matches' })
  id!: string;

  @Column({ name: 'person_case_id', type: 'uuid' })
  personCaseId!: string;

  @ManyToOne(() => CaseEntity, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'person_case_id', foreignKeyConstraintName: 'FK_matches_person_case' })
  personCase?: CaseEntity;

  @Column({ name: 'employer_case_id', type: 'uuid' })
  employerCaseId!: string;

  @ManyToOne(() => CaseEntity, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'employer_case_id', foreignKeyConstraintName: 'FK_matches_employer_case' })
  employerCase?: CaseEntity;

  @Column({ name: 'vacancy_id', type: 'varchar', length: 100 })
  vacancyId!: string;

  /** The sequence of SENT_TO_INTERVIEW in the person's history. */
  @Column({ name: 'person_sequence', type: 'integer' })
  personSequence!: number;

  /** The sequence of CANDIDATE_PUT_FORWARD in the employer's history. */
  @Column({ name: 'employer_sequence', type: 'integer' })
  employerSequence!: number;

  /** null until recorded: hired | not_selected. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  outcome!: 'hired' | 'not_selected' | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'outcome_at', type: 'timestamptz', nullable: true })
  outcomeAt!: Date | null;

  /** The operator who recorded the act. */
  @Column({ name: 'created_by', type: 'uuid' })
  createdBy!: string;

  @ManyToOne(() => OperatorEntity, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'created_by', foreignKeyConstraintName: 'FK_matches_created_by' })
  creator?: OperatorEntity;
}
