import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { CaseEntity } from '../cases/case.entity.js';

/**
 * The subjects the indicators count, by a number: the facts hold no tax code (pseudonymous), and
 * distinct counts compare integers. A subject gets its number with its first fact.
 */
@Entity({ name: 'indicator_subjects' })
@Index('UQ_indicator_subjects_subject', ['subject'], { unique: true })
export class IndicatorSubjectEntity {
  @PrimaryGeneratedColumn({ type: 'integer', primaryKeyConstraintName: 'PK_indicator_subjects' })
  id!: number;

  /** The case's subject as stored on the case (distinct subjects are distinct strings). */
  @Column({ type: 'varchar', length: 200 })
  subject!: string;
}

/**
 * One act's contribution to one indicator (machines/indicator-facts.ts): written in the
 * statement that appends the event, on real cases only. The office is the case's current one (a
 * transfer moves its facts in the transfer's statement); the day is the act's day in Europe/Rome.
 * Nothing here is not in the event log and the cases: the migration that made the table filled it from them.
 */
@Entity({ name: 'indicator_facts' })
// A period's facts of some offices and indicators, with the subject in the index (index-only): made
// by migration 1796560000000, as TypeORM cannot declare INCLUDE columns.
@Index('IDX_indicator_facts_period', { synchronize: false })
// The 6.2 / 10.1 consistency check's acts (partial, INCLUDE columns): the same migration.
@Index('IDX_indicator_facts_matching', { synchronize: false })
export class IndicatorFactEntity {
  @PrimaryColumn({ name: 'case_id', type: 'uuid', primaryKeyConstraintName: 'PK_indicator_facts' })
  caseId!: string;

  @ManyToOne(() => CaseEntity, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'case_id', foreignKeyConstraintName: 'FK_indicator_facts_case' })
  case?: CaseEntity;

  /** The event's sequence in its case. */
  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'PK_indicator_facts' })
  sequence!: number;

  /** 1.1 ... 10.3. */
  @PrimaryColumn({ type: 'varchar', length: 8, primaryKeyConstraintName: 'PK_indicator_facts' })
  indicator!: string;

  @Column({ name: 'office_id', type: 'uuid' })
  officeId!: string;

  /** The case's subject (indicator_subjects). */
  @Column({ name: 'subject_id', type: 'integer' })
  subjectId!: number;

  @ManyToOne(() => IndicatorSubjectEntity, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'subject_id', foreignKeyConstraintName: 'FK_indicator_facts_subject' })
  subjectRow?: IndicatorSubjectEntity;

  /** The act's day in Europe/Rome (the event's `at`). */
  @Column({ type: 'date' })
  day!: string;

  /** A date indicator's date when it is not the act's day (6.4: the contract's start date). */
  @Column({ type: 'date', nullable: true })
  dated!: string | null;

  /** The person's DID date in force when the act was recorded (the date indicators' days from the DID). */
  @Column({ type: 'date', nullable: true })
  did!: string | null;

  /** 6.2 / 10.1: the vacancy, and the other case as the act names it. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  vacancy!: string | null;

  @Column({ name: 'other_case', type: 'varchar', length: 200, nullable: true })
  otherCase!: string | null;
}
