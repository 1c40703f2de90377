import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A request made with an Idempotency-Key, and the response it got: a retry with the same key and
 * body gets that response again and applies nothing. Written in the same statement as the event.
 */
/** Matched by name when two requests race with one key (CaseService: the loser replays the winner's response). */
export const IDEMPOTENCY_PRIMARY_KEY = 'PK_idempotency_keys';

@Entity({ name: 'idempotency_keys' })
@Index('IDX_idempotency_keys_created', ['createdAt'])
export class IdempotencyKeyEntity {
  /**
   * What the key is scoped to, always with the operator who sent it (another operator's key is
   * neither replayed nor disclosed): `case:<id>:<operator id>` for events, `cases:<operator id>`
   * for opening a case.
   */
  @PrimaryColumn({ type: 'varchar', length: 100, primaryKeyConstraintName: IDEMPOTENCY_PRIMARY_KEY })
  scope!: string;

  @PrimaryColumn({ type: 'varchar', length: 255, primaryKeyConstraintName: IDEMPOTENCY_PRIMARY_KEY })
  key!: string;

  /** SHA-256 of the request (method, path, body). */
  @Column({ name: 'request_hash', type: 'char', length: 64 })
  requestHash!: string;

  @Column({ name: 'status_code', type: 'integer' })
  statusCode!: number;

  /** The response: {headers, body}. */
  @Column({ type: 'jsonb' })
  response!: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
