import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { OperatorEntity } from '../identity/identity.entities.js';

/** One read of a real case's personal data: who, when, with which credential, by which route. */
@Entity({ name: 'access_log' })
@Check('CHK_access_log_credential', `"credential" IN ('session', 'token', 'oidc')`)
@Index('IDX_access_log_case', ['caseId', 'at', 'id'])
@Index('IDX_access_log_operator', ['operatorId', 'at', 'id'])
export class AccessLogEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_access_log' })
  id!: string;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ name: 'operator_id', type: 'uuid' })
  operatorId!: string;

  // Operators are disabled, never deleted: their reads stay attributed.
  @ManyToOne(() => OperatorEntity, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'operator_id', foreignKeyConstraintName: 'FK_access_log_operator' })
  operator?: OperatorEntity;

  @Column({ type: 'varchar', length: 16 })
  credential!: 'session' | 'token' | 'oidc';

  /** No foreign key: the record of a read stays whatever becomes of the case. */
  @Column({ name: 'case_id', type: 'uuid' })
  caseId!: string;

  /** The route pattern, e.g. `GET /cases/:id/history`: never the URL (its query may carry personal data). */
  @Column({ type: 'varchar', length: 200 })
  route!: string;

  @Column({ name: 'request_id', type: 'varchar', length: 100, nullable: true })
  requestId!: string | null;
}
