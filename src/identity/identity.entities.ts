import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

/** A CPI (public employment centre) or an accredited agency: its kind decides the CPI-only acts. */
@Entity({ name: 'agencies' })
@Check('CHK_agencies_kind', `"kind" IN ('cpi', 'accredited')`)
export class AgencyEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_agencies' })
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: 'cpi' | 'accredited';

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** An office (sede) of an agency. */
@Entity({ name: 'offices' })
@Index('IDX_offices_agency', ['agencyId'])
export class OfficeEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_offices' })
  id!: string;

  @Column({ name: 'agency_id', type: 'uuid' })
  agencyId!: string;

  @ManyToOne(() => AgencyEntity, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'agency_id', foreignKeyConstraintName: 'FK_offices_agency' })
  agency?: AgencyEntity;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** An office given access to another office's cases (the CPI of a territory over the accredited offices in it). */
@Entity({ name: 'office_supervision' })
@Index('IDX_office_supervision_supervised', ['supervisedOfficeId'])
export class OfficeSupervisionEntity {
  @PrimaryColumn({ name: 'office_id', type: 'uuid', primaryKeyConstraintName: 'PK_office_supervision' })
  officeId!: string;

  @PrimaryColumn({ name: 'supervised_office_id', type: 'uuid', primaryKeyConstraintName: 'PK_office_supervision' })
  supervisedOfficeId!: string;

  @ManyToOne(() => OfficeEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'office_id', foreignKeyConstraintName: 'FK_office_supervision_office' })
  office?: OfficeEntity;

  @ManyToOne(() => OfficeEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'supervised_office_id', foreignKeyConstraintName: 'FK_office_supervision_supervised' })
  supervisedOffice?: OfficeEntity;
}

/** A person who signs in, or a service account (another system, with API tokens). */
@Entity({ name: 'operators' })
@Check('CHK_operators_kind', `"kind" IN ('person', 'service')`)
// Made by the migration: usernames are unique whatever the letter case, on lower(username).
@Index('UQ_operators_username_lower', { synchronize: false })
export class OperatorEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_operators' })
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  username!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  /** argon2id (PHC string); null: the operator cannot sign in with a password (service accounts, OIDC users). */
  @Column({ name: 'password_hash', type: 'varchar', length: 255, nullable: true })
  passwordHash!: string | null;

  @Column({ type: 'varchar', length: 16 })
  kind!: 'person' | 'service';

  @Column({ type: 'text', array: true })
  roles!: string[];

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** An operator's membership of an office. */
@Entity({ name: 'operator_offices' })
@Index('IDX_operator_offices_office', ['officeId'])
export class OperatorOfficeEntity {
  @PrimaryColumn({ name: 'operator_id', type: 'uuid', primaryKeyConstraintName: 'PK_operator_offices' })
  operatorId!: string;

  @PrimaryColumn({ name: 'office_id', type: 'uuid', primaryKeyConstraintName: 'PK_operator_offices' })
  officeId!: string;

  @ManyToOne(() => OperatorEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'operator_id', foreignKeyConstraintName: 'FK_operator_offices_operator' })
  operator?: OperatorEntity;

  @ManyToOne(() => OfficeEntity, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'office_id', foreignKeyConstraintName: 'FK_operator_offices_office' })
  office?: OfficeEntity;
}

/** A signed-in browser: the id is the sha256 (hex) of the cookie's token, so a database leak opens no session. */
@Entity({ name: 'sessions' })
@Index('IDX_sessions_operator', ['operatorId'])
export class SessionEntity {
  @PrimaryColumn({ type: 'varchar', length: 64, primaryKeyConstraintName: 'PK_sessions' })
  id!: string;

  @Column({ name: 'operator_id', type: 'uuid' })
  operatorId!: string;

  @ManyToOne(() => OperatorEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'operator_id', foreignKeyConstraintName: 'FK_sessions_operator' })
  operator?: OperatorEntity;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Updated at most once a minute (the idle timeout counts from here). */
  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt!: Date;

  /** The absolute end, whatever the activity. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}

/** A personal or service-account API token; only its sha256 is kept. */
@Entity({ name: 'api_tokens' })
@Index('UQ_api_tokens_token_hash', ['tokenHash'], { unique: true })
@Index('IDX_api_tokens_operator', ['operatorId', 'createdAt'])
export class ApiTokenEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_api_tokens' })
  id!: string;

  @Column({ name: 'operator_id', type: 'uuid' })
  operatorId!: string;

  @ManyToOne(() => OperatorEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'operator_id', foreignKeyConstraintName: 'FK_api_tokens_operator' })
  operator?: OperatorEntity;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ type: 'text', array: true })
  roles!: string[];

  @Column({ name: 'office_ids', type: 'uuid', array: true })
  officeIds!: string[];

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** The identity tables. */
export const IDENTITY_ENTITIES = [
  AgencyEntity,
  OfficeEntity,
  OfficeSupervisionEntity,
  OperatorEntity,
  OperatorOfficeEntity,
  SessionEntity,
  ApiTokenEntity,
];
