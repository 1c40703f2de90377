import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { ProblemException } from '../common/problem.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { Authenticator } from './authenticator.js';
import { WWW_AUTHENTICATE, assertSameOrigin, claimedOrigin } from './identity.guard.js';
import { IdentityRepository, type OperatorRow, type Role, type TokenRow } from './identity.repository.js';
import { parseLogin, parseTokenInput } from './identity-requests.js';
import { meView, tokenView } from './identity-views.js';
import { LoginThrottle } from './login-throttle.js';
import { Passwords } from './passwords.js';
import type { Principal } from './principal.js';
import { newApiToken, newSessionToken, sha256 } from './secrets.js';
import { clearSessionCookie, setSessionCookie, sessionToken } from './session-cookie.js';

const invalidCredentials = () =>
  new ProblemException(
    'INVALID_CREDENTIALS',
    { it: 'Nome utente o password non validi.', en: 'Invalid username or password.' },
    {},
    { 'WWW-Authenticate': WWW_AUTHENTICATE },
  );

/** Sign-in with built-in accounts, sessions, the signed-in operator, and their API tokens. */
@Injectable()
export class IdentityService {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(IdentityRepository) private readonly repository: IdentityRepository,
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    @Inject(Passwords) private readonly passwords: Passwords,
    @Inject(LoginThrottle) private readonly throttle: LoginThrottle,
  ) {}

  private get db(): EntityManager {
    return this.database.dataSource.manager;
  }

  /**
   * A wrong password and an unknown username get the same answer in about the same time (a dummy
   * hash is verified); a refusal writes nothing to the database.
   */
  async login(request: Request, response: Response, body: unknown) {
    const { username, password } = parseLogin(body);
    // Login CSRF: a page of another site must not sign the browser in to an account of its choosing.
    if (claimedOrigin(request) !== undefined) assertSameOrigin(request);
    const address = request.ip ?? 'unknown';
    await this.throttle.check(username, address);
    const operator = await this.repository.operatorByUsername(this.db, username);
    const verified = await this.passwords.verify(operator?.passwordHash ?? null, password);
    if (!operator || !verified || operator.disabledAt) {
      await this.throttle.failed(username, address);
      throw invalidCredentials();
    }
    await this.throttle.succeeded(username);
    return this.startSession(request, response, operator);
  }

  /**
   * A new session for an operator who proved who they are (a password, or the OpenID provider's
   * callback): the row, the cookie, and GET /me's answer.
   */
  async startSession(request: Request, response: Response, operator: OperatorRow) {
    const token = newSessionToken();
    const now = this.clock.now();
    const maxAgeMs = this.config.identity.sessionMaxHours * 3_600_000;
    const id = sha256(token);
    await this.repository.insertSession(this.db, {
      id,
      operatorId: operator.id,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + maxAgeMs),
      revokedAt: null,
    });
    setSessionCookie(response, request, token, maxAgeMs);
    return this.me(await this.authenticator.principal(operator, { via: 'session', credentialId: id }));
  }

  /** Ends the browser's session (revoked server-side) and clears the cookie; without a live session, only the latter. */
  async logout(request: Request, response: Response): Promise<void> {
    const principal = await this.authenticator.authenticate(request);
    if (principal?.via === 'session' && sessionToken(request)) {
      assertSameOrigin(request);
      await this.repository.revokeSession(this.db, principal.credentialId, this.clock.now());
    }
    clearSessionCookie(response, request);
  }

  async me(principal: Principal) {
    const offices = principal.officeIds.length > 0 ? await this.repository.offices(this.db, principal.officeIds) : [];
    return meView(principal, offices);
  }

  /** A personal token: roles and offices default to the creator's and may never be wider. */
  async createToken(principal: Principal, body: unknown) {
    return this.issueToken({ operatorId: principal.operator.id, roles: principal.roles, officeIds: principal.officeIds, body });
  }

  /** A token for a service account (or any operator), issued by an admin: no wider than that operator. */
  async createTokenFor(operator: OperatorRow, body: unknown) {
    return this.issueToken({ operatorId: operator.id, roles: operator.roles, officeIds: operator.officeIds, body });
  }

  private async issueToken(args: { operatorId: string; roles: Role[]; officeIds: string[]; body: unknown }) {
    const now = this.clock.now();
    const input = parseTokenInput(args.body, now);
    const roles = input.roles ?? args.roles;
    const officeIds = input.officeIds ?? args.officeIds;
    const extraRoles = roles.filter((r) => !args.roles.includes(r));
    const extraOffices = officeIds.filter((o) => !args.officeIds.includes(o));
    if (extraRoles.length > 0 || extraOffices.length > 0) {
      const what = [
        ...(extraRoles.length > 0 ? [`roles ${extraRoles.join(', ')}`] : []),
        ...(extraOffices.length > 0 ? [`officeIds ${extraOffices.join(', ')}`] : []),
      ].join('; ');
      throw new ProblemException('FORBIDDEN', {
        it: `Un token non può avere più di chi lo crea: ${what} non sono dell'operatore.`,
        en: `A token may not hold more than its creator: ${what} are not the operator's.`,
      });
    }
    const token = newApiToken();
    const row: TokenRow = {
      id: randomUUID(),
      operatorId: args.operatorId,
      name: input.name,
      tokenHash: sha256(token),
      roles,
      officeIds,
      expiresAt: input.expiresAt,
      lastUsedAt: null,
      revokedAt: null,
      createdAt: now,
    };
    await this.repository.insertToken(this.db, row);
    return { ...tokenView(row), token };
  }

  async tokens(principal: Principal) {
    return { items: (await this.repository.tokensOf(this.db, principal.operator.id)).map(tokenView) };
  }

  async revokeToken(principal: Principal, id: string): Promise<void> {
    const row = await this.repository.tokenOf(this.db, principal.operator.id, id);
    if (!row)
      throw new ProblemException('TOKEN_NOT_FOUND', { it: `Nessun token ${id} dell'operatore.`, en: `No token ${id} of the operator.` });
    await this.repository.revokeToken(this.db, id, this.clock.now());
  }
}
