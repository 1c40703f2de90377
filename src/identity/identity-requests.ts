import { validationFailed, type FieldIssue } from '../common/problem.js';
import { UUID, objectBody, parseInstant } from '../common/request-parsing.js';
import { AGENCY_KINDS, OPERATOR_KINDS, ROLES, type AgencyKind, type OperatorKindOfAccount, type Role } from './identity.repository.js';

/** Parsing of what clients send to /auth, /tokens and /admin: every problem is a 400 VALIDATION_FAILED by field. */

const USERNAME = /^[\p{L}\p{N}._@-]{1,100}$/u;
export const PASSWORD_LIMITS = { min: 12, max: 1024 } as const;

function text(issues: FieldIssue[], field: string, value: unknown, args: { required: boolean; max: number }): string | undefined {
  if (value === undefined) {
    if (args.required) issues.push({ field, problem: 'required' });
    return undefined;
  }
  if (typeof value !== 'string' || value.trim() === '' || value.length > args.max) {
    issues.push({
      field,
      problem: 'type',
      message: { it: `da 1 a ${args.max} caratteri`, en: `1 to ${args.max} characters` },
    });
    return undefined;
  }
  return value.trim();
}

function enumList<T extends string>(issues: FieldIssue[], field: string, value: unknown, allowed: readonly T[]): T[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > 50 || !value.every((v) => typeof v === 'string' && allowed.includes(v as T))) {
    issues.push({ field, problem: 'enum', message: { it: `un elenco tra ${allowed.join(', ')}`, en: `a list of ${allowed.join(', ')}` } });
    return undefined;
  }
  return [...new Set(value as T[])];
}

function uuidList(issues: FieldIssue[], field: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > 200 || !value.every((v) => typeof v === 'string' && UUID.test(v))) {
    issues.push({ field, problem: 'format', message: { it: 'un elenco di UUID', en: 'a list of UUIDs' } });
    return undefined;
  }
  return [...new Set(value.map((v: string) => v.toLowerCase()))];
}

function password(issues: FieldIssue[], value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length < PASSWORD_LIMITS.min || value.length > PASSWORD_LIMITS.max) {
    issues.push({
      field: 'password',
      problem: 'range',
      message: {
        it: `da ${PASSWORD_LIMITS.min} a ${PASSWORD_LIMITS.max} caratteri`,
        en: `${PASSWORD_LIMITS.min} to ${PASSWORD_LIMITS.max} characters`,
      },
    });
    return undefined;
  }
  return value;
}

export function parseLogin(body: unknown): { username: string; password: string } {
  const issues: FieldIssue[] = [];
  const b = objectBody(body, ['username', 'password'], issues);
  if (typeof b.username !== 'string' || b.username.length < 1 || b.username.length > 100)
    issues.push({ field: 'username', problem: b.username === undefined ? 'required' : 'type' });
  if (typeof b.password !== 'string' || b.password.length < 1 || b.password.length > PASSWORD_LIMITS.max)
    issues.push({ field: 'password', problem: b.password === undefined ? 'required' : 'type' });
  if (issues.length > 0) throw validationFailed(issues);
  return { username: b.username as string, password: b.password as string };
}

export interface TokenInput {
  name: string;
  expiresAt: Date | null;
  roles?: Role[];
  officeIds?: string[];
}

export function parseTokenInput(body: unknown, now: Date): TokenInput {
  const issues: FieldIssue[] = [];
  const b = objectBody(body, ['name', 'expiresAt', 'roles', 'officeIds'], issues);
  const name = text(issues, 'name', b.name, { required: true, max: 100 });
  let expiresAt: Date | null = null;
  if (b.expiresAt !== undefined && b.expiresAt !== null) {
    const date = typeof b.expiresAt === 'string' ? parseInstant(b.expiresAt) : null;
    if (!date || date <= now)
      issues.push({
        field: 'expiresAt',
        problem: 'range',
        message: { it: 'un istante futuro (ISO 8601)', en: 'a future instant (ISO 8601)' },
      });
    else expiresAt = date;
  }
  const roles = enumList(issues, 'roles', b.roles, ROLES);
  const officeIds = uuidList(issues, 'officeIds', b.officeIds);
  if (issues.length > 0) throw validationFailed(issues);
  return { name: name!, expiresAt, roles, officeIds };
}

export function parseAgency(body: unknown, creating: boolean): { name?: string; kind?: AgencyKind } {
  const issues: FieldIssue[] = [];
  const b = objectBody(body, ['name', 'kind'], issues);
  const name = text(issues, 'name', b.name, { required: creating, max: 200 });
  let kind: AgencyKind | undefined;
  if (b.kind !== undefined || creating) {
    if (!AGENCY_KINDS.includes(b.kind as AgencyKind))
      issues.push({
        field: 'kind',
        problem: b.kind === undefined ? 'required' : 'enum',
        message: { it: 'cpi oppure accredited', en: 'cpi or accredited' },
      });
    else kind = b.kind as AgencyKind;
  }
  if (issues.length > 0) throw validationFailed(issues);
  return { name, kind };
}

export function parseOffice(body: unknown, creating: boolean): { name?: string; agencyId?: string; supervisesOfficeIds?: string[] } {
  const issues: FieldIssue[] = [];
  const b = objectBody(body, creating ? ['name', 'agencyId', 'supervisesOfficeIds'] : ['name', 'supervisesOfficeIds'], issues);
  const name = text(issues, 'name', b.name, { required: creating, max: 200 });
  let agencyId: string | undefined;
  if (creating) {
    if (typeof b.agencyId !== 'string' || !UUID.test(b.agencyId))
      issues.push({ field: 'agencyId', problem: b.agencyId === undefined ? 'required' : 'format' });
    else agencyId = b.agencyId.toLowerCase();
  }
  const supervisesOfficeIds = uuidList(issues, 'supervisesOfficeIds', b.supervisesOfficeIds);
  if (issues.length > 0) throw validationFailed(issues);
  return { name, agencyId, supervisesOfficeIds };
}

export interface OperatorInput {
  username?: string;
  name?: string;
  kind?: OperatorKindOfAccount;
  /** null: remove the password (PATCH). */
  password?: string | null;
  roles?: Role[];
  officeIds?: string[];
  disabled?: boolean;
}

export function parseOperator(body: unknown, creating: boolean): OperatorInput {
  const issues: FieldIssue[] = [];
  const b = objectBody(
    body,
    creating ? ['username', 'name', 'kind', 'password', 'roles', 'officeIds'] : ['name', 'password', 'roles', 'officeIds', 'disabled'],
    issues,
  );
  const result: OperatorInput = {};
  if (creating) {
    if (typeof b.username !== 'string' || !USERNAME.test(b.username))
      issues.push({
        field: 'username',
        problem: b.username === undefined ? 'required' : 'format',
        message: { it: 'da 1 a 100 lettere, cifre o . _ @ -', en: '1 to 100 letters, digits or . _ @ -' },
      });
    else result.username = b.username;
    if (b.kind !== undefined && !OPERATOR_KINDS.includes(b.kind as OperatorKindOfAccount))
      issues.push({ field: 'kind', problem: 'enum', message: { it: 'person oppure service', en: 'person or service' } });
    else result.kind = (b.kind as OperatorKindOfAccount | undefined) ?? 'person';
  }
  result.name = text(issues, 'name', b.name, { required: creating, max: 200 });
  if (b.password === null && !creating) result.password = null;
  else result.password = password(issues, b.password);
  result.roles = enumList(issues, 'roles', b.roles, ROLES) ?? (creating && b.roles === undefined ? [] : undefined);
  result.officeIds = uuidList(issues, 'officeIds', b.officeIds) ?? (creating && b.officeIds === undefined ? [] : undefined);
  if (b.disabled !== undefined) {
    if (typeof b.disabled !== 'boolean') issues.push({ field: 'disabled', problem: 'type' });
    else result.disabled = b.disabled;
  }
  if (issues.length > 0) throw validationFailed(issues);
  return result;
}
