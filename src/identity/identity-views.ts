import type { AgencyRow, OfficeRow, OperatorRow, TokenRow } from './identity.repository.js';
import type { Principal } from './principal.js';

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** GET /me (and POST /auth/login): who is signed in, for what agency, offices and roles. */
export const meView = (principal: Principal, offices: OfficeRow[]) => ({
  operator: principal.operator,
  agency: principal.agency,
  offices: offices.map((o) => ({ id: o.id, name: o.name, agencyId: o.agencyId })),
  roles: principal.roles,
  via: principal.via,
});

export const agencyView = (row: AgencyRow) => ({ id: row.id, name: row.name, kind: row.kind, createdAt: iso(row.createdAt) });

export const officeView = (row: OfficeRow) => ({
  id: row.id,
  agencyId: row.agencyId,
  name: row.name,
  supervisesOfficeIds: row.supervisesOfficeIds,
  createdAt: iso(row.createdAt),
});

/** An operator as the API shows it: never the password hash, only whether there is one. */
export const operatorView = (row: OperatorRow) => ({
  id: row.id,
  username: row.username,
  name: row.name,
  kind: row.kind,
  roles: row.roles,
  officeIds: row.officeIds,
  hasPassword: row.passwordHash !== null,
  disabledAt: iso(row.disabledAt),
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

/** A token as the API shows it: never the secret nor its hash. */
export const tokenView = (row: TokenRow) => ({
  id: row.id,
  operatorId: row.operatorId,
  name: row.name,
  roles: row.roles,
  officeIds: row.officeIds,
  expiresAt: iso(row.expiresAt),
  lastUsedAt: iso(row.lastUsedAt),
  revokedAt: iso(row.revokedAt),
  createdAt: iso(row.createdAt),
});
