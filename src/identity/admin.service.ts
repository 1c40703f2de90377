import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { ProblemException, validationFailed } from '../common/problem.js';
import { Database } from '../database/database.js';
import { IdentityRepository, type AgencyRow, type OfficeRow, type OperatorRow } from './identity.repository.js';
import { parseAgency, parseOffice, parseOperator } from './identity-requests.js';
import { agencyView, officeView, operatorView } from './identity-views.js';
import { IdentityService } from './identity.service.js';
import { Passwords } from './passwords.js';

const notFound = (code: 'AGENCY_NOT_FOUND' | 'OFFICE_NOT_FOUND' | 'OPERATOR_NOT_FOUND', id: string) =>
  new ProblemException(code, {
    it: `Nessun ${code === 'AGENCY_NOT_FOUND' ? 'ente' : code === 'OFFICE_NOT_FOUND' ? 'sede' : 'operatore'} con id ${id}.`,
    en: `No ${code === 'AGENCY_NOT_FOUND' ? 'agency' : code === 'OFFICE_NOT_FOUND' ? 'office' : 'operator'} with id ${id}.`,
  });

/** The admin's registry: agencies, their offices (and which supervise which), operators. */
@Injectable()
export class AdminService {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(IdentityRepository) private readonly repository: IdentityRepository,
    @Inject(Passwords) private readonly passwords: Passwords,
    @Inject(IdentityService) private readonly identity: IdentityService,
  ) {}

  private get db(): EntityManager {
    return this.database.dataSource.manager;
  }

  // Agencies
  async createAgency(body: unknown) {
    const input = parseAgency(body, true);
    const row: AgencyRow = { id: randomUUID(), name: input.name!, kind: input.kind!, createdAt: this.clock.now() };
    await this.repository.insertAgency(this.db, row);
    return agencyView(row);
  }

  async agencies() {
    return { items: (await this.repository.agencies(this.db)).map(agencyView) };
  }

  async agency(id: string) {
    const row = await this.repository.agency(this.db, id);
    if (!row) throw notFound('AGENCY_NOT_FOUND', id);
    return agencyView(row);
  }

  async updateAgency(id: string, body: unknown) {
    const input = parseAgency(body, false);
    return this.database.dataSource.transaction(async (db) => {
      const row = await this.repository.agency(db, id, true);
      if (!row) throw notFound('AGENCY_NOT_FOUND', id);
      const next = { ...row, name: input.name ?? row.name, kind: input.kind ?? row.kind };
      await this.repository.updateAgency(db, next);
      return agencyView(next);
    });
  }

  // Offices
  async createOffice(body: unknown) {
    const input = parseOffice(body, true);
    return this.database.dataSource.transaction(async (db) => {
      if (!(await this.repository.agency(db, input.agencyId!)))
        throw validationFailed([{ field: 'agencyId', problem: 'enum', message: { it: 'ente inesistente', en: 'no such agency' } }]);
      const id = randomUUID();
      await this.checkOffices(db, 'supervisesOfficeIds', input.supervisesOfficeIds ?? []);
      const row: OfficeRow = {
        id,
        agencyId: input.agencyId!,
        name: input.name!,
        supervisesOfficeIds: input.supervisesOfficeIds ?? [],
        createdAt: this.clock.now(),
      };
      await this.repository.insertOffice(db, row);
      await this.repository.setSupervision(db, id, row.supervisesOfficeIds);
      return officeView((await this.repository.office(db, id))!);
    });
  }

  async offices() {
    return { items: (await this.repository.offices(this.db)).map(officeView) };
  }

  async office(id: string) {
    const row = await this.repository.office(this.db, id);
    if (!row) throw notFound('OFFICE_NOT_FOUND', id);
    return officeView(row);
  }

  async updateOffice(id: string, body: unknown) {
    const input = parseOffice(body, false);
    return this.database.dataSource.transaction(async (db) => {
      const row = await this.repository.office(db, id, true);
      if (!row) throw notFound('OFFICE_NOT_FOUND', id);
      if (input.supervisesOfficeIds) {
        if (input.supervisesOfficeIds.includes(id))
          throw validationFailed([
            {
              field: 'supervisesOfficeIds',
              problem: 'enum',
              message: { it: 'una sede non supervisiona sé stessa', en: 'an office does not supervise itself' },
            },
          ]);
        await this.checkOffices(db, 'supervisesOfficeIds', input.supervisesOfficeIds);
        await this.repository.setSupervision(db, id, input.supervisesOfficeIds);
      }
      if (input.name !== undefined) await this.repository.updateOfficeName(db, id, input.name);
      return officeView((await this.repository.office(db, id))!);
    });
  }

  /** Every id names an office (400 naming the field otherwise); returns them. */
  private async checkOffices(db: EntityManager, field: string, ids: string[]): Promise<OfficeRow[]> {
    if (ids.length === 0) return [];
    const offices = await this.repository.offices(db, ids);
    const missing = ids.filter((id) => !offices.some((o) => o.id === id));
    if (missing.length > 0)
      throw validationFailed([
        {
          field,
          problem: 'enum',
          message: { it: `sedi inesistenti: ${missing.join(', ')}`, en: `no such offices: ${missing.join(', ')}` },
        },
      ]);
    return offices;
  }

  /** An operator's offices exist and belong to one agency (whose kind decides the CPI-only acts). */
  private async checkMemberships(db: EntityManager, ids: string[]): Promise<void> {
    const offices = await this.checkOffices(db, 'officeIds', ids);
    if (new Set(offices.map((o) => o.agencyId)).size > 1)
      throw validationFailed([
        {
          field: 'officeIds',
          problem: 'enum',
          message: { it: 'le sedi di un operatore sono di un solo ente', en: "an operator's offices belong to one agency" },
        },
      ]);
  }

  // Operators
  async createOperator(body: unknown) {
    const input = parseOperator(body, true);
    if (input.kind === 'service' && input.password !== undefined)
      throw validationFailed([
        {
          field: 'password',
          problem: 'unknown',
          message: { it: 'un account di servizio usa i token', en: 'a service account uses tokens' },
        },
      ]);
    const passwordHash = input.password ? await this.passwords.hash(input.password) : null;
    return this.database.dataSource.transaction(async (db) => {
      await this.checkMemberships(db, input.officeIds!);
      const now = this.clock.now();
      const row: OperatorRow = {
        id: randomUUID(),
        username: input.username!,
        name: input.name!,
        passwordHash,
        kind: input.kind!,
        roles: input.roles!,
        officeIds: input.officeIds!,
        disabledAt: null,
        createdAt: now,
        updatedAt: now,
      };
      if (!(await this.repository.insertOperator(db, row)))
        throw new ProblemException('USERNAME_TAKEN', {
          it: `Il nome utente ${row.username} è già in uso (maiuscole e minuscole non contano).`,
          en: `The username ${row.username} is already taken (letter case does not count).`,
        });
      return operatorView(row);
    });
  }

  async operators() {
    return { items: (await this.repository.operators(this.db)).map(operatorView) };
  }

  async operator(id: string) {
    return operatorView(await this.getOperatorOrFail(this.db, id));
  }

  private async getOperatorOrFail(db: EntityManager, id: string, lock = false): Promise<OperatorRow> {
    const row = await this.repository.operator(db, id, lock);
    if (!row) throw notFound('OPERATOR_NOT_FOUND', id);
    return row;
  }

  /** Disabling, or changing the password, ends the operator's sessions (their tokens stop working while disabled). */
  async updateOperator(id: string, body: unknown) {
    const input = parseOperator(body, false);
    const passwordHash = input.password ? await this.passwords.hash(input.password) : input.password;
    return this.database.dataSource.transaction(async (db) => {
      const row = await this.getOperatorOrFail(db, id, true);
      if (row.kind === 'service' && input.password)
        throw validationFailed([
          {
            field: 'password',
            problem: 'unknown',
            message: { it: 'un account di servizio usa i token', en: 'a service account uses tokens' },
          },
        ]);
      if (input.officeIds) {
        await this.checkMemberships(db, input.officeIds);
        await this.repository.setMemberships(db, id, input.officeIds);
      }
      const now = this.clock.now();
      const next: OperatorRow = {
        ...row,
        name: input.name ?? row.name,
        passwordHash: passwordHash === undefined ? row.passwordHash : passwordHash,
        roles: input.roles ?? row.roles,
        officeIds: input.officeIds ?? row.officeIds,
        disabledAt: input.disabled === undefined ? row.disabledAt : input.disabled ? (row.disabledAt ?? now) : null,
        updatedAt: now,
      };
      const stillAdmin = next.roles.includes('admin') && next.disabledAt === null;
      if (row.roles.includes('admin') && row.disabledAt === null && !stillAdmin && !(await this.repository.anyAdmin(db, id)))
        throw new ProblemException('FORBIDDEN', {
          it: "È l'ultimo amministratore attivo: nominarne un altro prima di togliergli il ruolo admin o di disattivarlo.",
          en: 'This is the last enabled admin: make another one before taking the admin role away or disabling it.',
        });
      await this.repository.updateOperator(db, next);
      if ((input.disabled && !row.disabledAt) || passwordHash !== undefined) await this.repository.revokeSessionsOf(db, id, now);
      return operatorView(next);
    });
  }

  async createTokenFor(id: string, body: unknown) {
    const operator = await this.getOperatorOrFail(this.db, id);
    return this.identity.createTokenFor(operator, body);
  }
}
