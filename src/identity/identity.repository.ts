import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import type { Role } from '../policy/policy.js';

/** The roles an operator or a token can hold (issue 14): the policy's. */
export { ROLES, type Role } from '../policy/policy.js';
export const AGENCY_KINDS = ['cpi', 'accredited'] as const;
export type AgencyKind = (typeof AGENCY_KINDS)[number];
export const OPERATOR_KINDS = ['person', 'service'] as const;
export type OperatorKindOfAccount = (typeof OPERATOR_KINDS)[number];

export interface AgencyRow {
  id: string;
  name: string;
  kind: AgencyKind;
  createdAt: Date;
}

export interface OfficeRow {
  id: string;
  agencyId: string;
  name: string;
  supervisesOfficeIds: string[];
  createdAt: Date;
}

export interface OperatorRow {
  id: string;
  username: string;
  name: string;
  passwordHash: string | null;
  kind: OperatorKindOfAccount;
  roles: Role[];
  officeIds: string[];
  disabledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An operator with their offices and agency: what authentication reads (operatorWithOffices). */
export interface OperatorWithOffices extends OperatorRow {
  offices: { id: string; agencyId: string; supervisesOfficeIds: string[] }[];
  agency: { id: string; name: string; kind: AgencyKind } | null;
}

export interface SessionRow {
  id: string;
  operatorId: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

export interface TokenRow {
  id: string;
  operatorId: string;
  name: string;
  tokenHash: string;
  roles: Role[];
  officeIds: string[];
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

const OPERATOR_COLUMNS = `o.id, o.username, o.name, o.password_hash AS "passwordHash", o.kind, o.roles,
  coalesce((SELECT array_agg(m.office_id::text ORDER BY m.office_id) FROM operator_offices m WHERE m.operator_id = o.id), '{}') AS "officeIds",
  o.disabled_at AS "disabledAt", o.created_at AS "createdAt", o.updated_at AS "updatedAt"`;
const OFFICE_COLUMNS = `f.id, f.agency_id AS "agencyId", f.name,
  coalesce((SELECT array_agg(s.supervised_office_id::text ORDER BY s.supervised_office_id) FROM office_supervision s WHERE s.office_id = f.id), '{}') AS "supervisesOfficeIds",
  f.created_at AS "createdAt"`;
const TOKEN_COLUMNS = `id, operator_id AS "operatorId", name, token_hash AS "tokenHash", roles, office_ids::text[] AS "officeIds",
  expires_at AS "expiresAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt", created_at AS "createdAt"`;
const SESSION_COLUMNS = `id, operator_id AS "operatorId", created_at AS "createdAt", last_seen_at AS "lastSeenAt", expires_at AS "expiresAt", revoked_at AS "revokedAt"`;

/** The identity tables' SQL. Every method takes the EntityManager to run on (a transaction or not). */
@Injectable()
export class IdentityRepository {
  // Agencies
  async insertAgency(db: EntityManager, row: AgencyRow): Promise<void> {
    await db.query(`INSERT INTO agencies (id, name, kind, created_at) VALUES ($1, $2, $3, $4)`, [
      row.id,
      row.name,
      row.kind,
      row.createdAt,
    ]);
  }

  async agencies(db: EntityManager): Promise<AgencyRow[]> {
    return db.query(`SELECT id, name, kind, created_at AS "createdAt" FROM agencies ORDER BY created_at, id`);
  }

  async agency(db: EntityManager, id: string, lock = false): Promise<AgencyRow | null> {
    const rows = await db.query<AgencyRow[]>(
      `SELECT id, name, kind, created_at AS "createdAt" FROM agencies WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ?? null;
  }

  async updateAgency(db: EntityManager, row: AgencyRow): Promise<void> {
    await db.query(`UPDATE agencies SET name = $2, kind = $3 WHERE id = $1`, [row.id, row.name, row.kind]);
  }

  // Offices
  async insertOffice(db: EntityManager, row: OfficeRow): Promise<void> {
    await db.query(`INSERT INTO offices (id, agency_id, name, created_at) VALUES ($1, $2, $3, $4)`, [
      row.id,
      row.agencyId,
      row.name,
      row.createdAt,
    ]);
  }

  async offices(db: EntityManager, ids?: string[]): Promise<OfficeRow[]> {
    return ids
      ? db.query(`SELECT ${OFFICE_COLUMNS} FROM offices f WHERE f.id = ANY($1::uuid[]) ORDER BY f.created_at, f.id`, [ids])
      : db.query(`SELECT ${OFFICE_COLUMNS} FROM offices f ORDER BY f.created_at, f.id`);
  }

  async office(db: EntityManager, id: string, lock = false): Promise<OfficeRow | null> {
    const rows = await db.query<OfficeRow[]>(`SELECT ${OFFICE_COLUMNS} FROM offices f WHERE f.id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] ?? null;
  }

  async updateOfficeName(db: EntityManager, id: string, name: string): Promise<void> {
    await db.query(`UPDATE offices SET name = $2 WHERE id = $1`, [id, name]);
  }

  async setSupervision(db: EntityManager, officeId: string, supervised: string[]): Promise<void> {
    await db.query(`DELETE FROM office_supervision WHERE office_id = $1`, [officeId]);
    if (supervised.length > 0)
      await db.query(`INSERT INTO office_supervision (office_id, supervised_office_id) SELECT $1, unnest($2::uuid[])`, [
        officeId,
        supervised,
      ]);
  }

  // Operators
  /** Inserts unless the username is taken (whatever the case): false when it was. */
  async insertOperator(db: EntityManager, row: OperatorRow): Promise<boolean> {
    const inserted = await db.query<{ id: string }[]>(
      `INSERT INTO operators (id, username, name, password_hash, kind, roles, disabled_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT ((lower(username))) DO NOTHING RETURNING id`,
      [row.id, row.username, row.name, row.passwordHash, row.kind, row.roles, row.disabledAt, row.createdAt],
    );
    if (inserted.length === 0) return false;
    await this.setMemberships(db, row.id, row.officeIds);
    return true;
  }

  async setMemberships(db: EntityManager, operatorId: string, officeIds: string[]): Promise<void> {
    await db.query(`DELETE FROM operator_offices WHERE operator_id = $1`, [operatorId]);
    if (officeIds.length > 0)
      await db.query(`INSERT INTO operator_offices (operator_id, office_id) SELECT $1, unnest($2::uuid[])`, [operatorId, officeIds]);
  }

  async operators(db: EntityManager): Promise<OperatorRow[]> {
    return db.query(`SELECT ${OPERATOR_COLUMNS} FROM operators o ORDER BY o.created_at, o.id`);
  }

  /** The members of an office, by name. */
  async operatorsOfOffice(db: EntityManager, officeId: string): Promise<OperatorRow[]> {
    return db.query(
      `SELECT ${OPERATOR_COLUMNS} FROM operators o
        WHERE EXISTS (SELECT 1 FROM operator_offices m WHERE m.operator_id = o.id AND m.office_id = $1)
        ORDER BY o.name, o.id`,
      [officeId],
    );
  }

  async operator(db: EntityManager, id: string, lock = false): Promise<OperatorRow | null> {
    const rows = await db.query<OperatorRow[]>(`SELECT ${OPERATOR_COLUMNS} FROM operators o WHERE o.id = $1${lock ? ' FOR UPDATE' : ''}`, [
      id,
    ]);
    return rows[0] ?? null;
  }

  /**
   * An operator with what a request's Principal needs, in one round trip: their offices (with the
   * offices each supervises) and the agency of the first one. Authentication runs it on every request.
   */
  async operatorWithOffices(db: EntityManager, by: { id: string } | { username: string }): Promise<OperatorWithOffices | null> {
    const rows = await db.query<OperatorWithOffices[]>(
      `SELECT ${OPERATOR_COLUMNS},
         coalesce((SELECT json_agg(json_build_object('id', f.id, 'agencyId', f.agency_id, 'supervisesOfficeIds',
             coalesce((SELECT array_agg(s.supervised_office_id) FROM office_supervision s WHERE s.office_id = f.id), '{}'))
             ORDER BY f.created_at, f.id)
           FROM offices f JOIN operator_offices m ON m.office_id = f.id WHERE m.operator_id = o.id), '[]') AS offices,
         (SELECT json_build_object('id', a.id, 'name', a.name, 'kind', a.kind)
            FROM offices f JOIN operator_offices m ON m.office_id = f.id JOIN agencies a ON a.id = f.agency_id
           WHERE m.operator_id = o.id ORDER BY f.created_at, f.id LIMIT 1) AS agency
       FROM operators o WHERE ${'id' in by ? 'o.id = $1' : 'lower(o.username) = lower($1)'}`,
      ['id' in by ? by.id : by.username],
    );
    return rows[0] ?? null;
  }

  async operatorByUsername(db: EntityManager, username: string): Promise<OperatorRow | null> {
    const rows = await db.query<OperatorRow[]>(`SELECT ${OPERATOR_COLUMNS} FROM operators o WHERE lower(o.username) = lower($1)`, [
      username,
    ]);
    return rows[0] ?? null;
  }

  async updateOperator(db: EntityManager, row: OperatorRow): Promise<void> {
    await db.query(`UPDATE operators SET name = $2, password_hash = $3, roles = $4, disabled_at = $5, updated_at = $6 WHERE id = $1`, [
      row.id,
      row.name,
      row.passwordHash,
      row.roles,
      row.disabledAt,
      row.updatedAt,
    ]);
  }

  /** Whether an enabled operator (other than `except`) has the admin role. */
  async anyAdmin(db: EntityManager, except?: string): Promise<boolean> {
    const rows = await db.query<unknown[]>(
      `SELECT 1 FROM operators WHERE 'admin' = ANY(roles) AND disabled_at IS NULL AND ($1::uuid IS NULL OR id <> $1) LIMIT 1`,
      [except ?? null],
    );
    return rows.length > 0;
  }

  // Sessions
  async insertSession(db: EntityManager, row: SessionRow): Promise<void> {
    await db.query(
      `INSERT INTO sessions (id, operator_id, created_at, last_seen_at, expires_at, revoked_at) VALUES ($1, $2, $3, $3, $4, NULL)`,
      [row.id, row.operatorId, row.createdAt, row.expiresAt],
    );
  }

  async session(db: EntityManager, id: string): Promise<SessionRow | null> {
    const rows = await db.query<SessionRow[]>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** Moves last_seen_at forward (never back: concurrent requests may race). */
  async touchSession(db: EntityManager, id: string, at: Date): Promise<void> {
    await db.query(`UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2 AND revoked_at IS NULL`, [id, at]);
  }

  async revokeSession(db: EntityManager, id: string, at: Date): Promise<void> {
    await db.query(`UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, [id, at]);
  }

  async revokeSessionsOf(db: EntityManager, operatorId: string, at: Date): Promise<void> {
    await db.query(`UPDATE sessions SET revoked_at = $2 WHERE operator_id = $1 AND revoked_at IS NULL`, [operatorId, at]);
  }

  // API tokens
  async insertToken(db: EntityManager, row: TokenRow): Promise<void> {
    await db.query(
      `INSERT INTO api_tokens (id, operator_id, name, token_hash, roles, office_ids, expires_at, last_used_at, revoked_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6::uuid[], $7, NULL, NULL, $8)`,
      [row.id, row.operatorId, row.name, row.tokenHash, row.roles, row.officeIds, row.expiresAt, row.createdAt],
    );
  }

  async tokenByHash(db: EntityManager, hash: string): Promise<TokenRow | null> {
    const rows = await db.query<TokenRow[]>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1`, [hash]);
    return rows[0] ?? null;
  }

  async tokensOf(db: EntityManager, operatorId: string): Promise<TokenRow[]> {
    return db.query(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE operator_id = $1 ORDER BY created_at, id`, [operatorId]);
  }

  async tokenOf(db: EntityManager, operatorId: string, id: string): Promise<TokenRow | null> {
    const rows = await db.query<TokenRow[]>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE operator_id = $1 AND id = $2`, [operatorId, id]);
    return rows[0] ?? null;
  }

  async touchToken(db: EntityManager, id: string, at: Date): Promise<void> {
    await db.query(`UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)`, [id, at]);
  }

  async revokeToken(db: EntityManager, id: string, at: Date): Promise<void> {
    await db.query(`UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, [id, at]);
  }
}
