import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Request } from 'express';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { IdentityRepository, type OperatorRow, type OperatorWithOffices, type Role } from './identity.repository.js';
import { BEARER_VERIFIERS, type BearerVerifier, type Principal } from './principal.js';
import { isApiToken, sha256 } from './secrets.js';
import { sessionToken } from './session-cookie.js';

/** last_seen_at and last_used_at move at most once a minute: not a write per request. */
export const TOUCH_INTERVAL_MS = 60_000;

/** What the request presented, before it is verified. */
export type Credential = { kind: 'session'; token: string } | { kind: 'bearer'; token: string } | { kind: 'none' } | { kind: 'malformed' };

/** The credential a request carries: `Authorization: Bearer` first, then the session cookie. */
export function credentialOf(request: Request): Credential {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer +([\w.~+/-]+=*) *$/i.exec(authorization);
    return match ? { kind: 'bearer', token: match[1] } : { kind: 'malformed' };
  }
  const token = sessionToken(request);
  return token ? { kind: 'session', token } : { kind: 'none' };
}

/**
 * Resolves a request to a Principal, or null: from the session cookie (a server-side row, with idle
 * and absolute timeouts), a Percorsi API token (`pct_...`), or a Bearer token a plugged-in verifier
 * accepts (OIDC access tokens). Reads only, but for the throttled last-seen / last-used time.
 */
@Injectable()
export class Authenticator {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(IdentityRepository) private readonly repository: IdentityRepository,
    @Optional() @Inject(BEARER_VERIFIERS) private readonly verifiers: BearerVerifier[] | null = null,
  ) {}

  private get db(): EntityManager {
    return this.database.dataSource.manager;
  }

  async authenticate(request: Request): Promise<Principal | null> {
    const credential = credentialOf(request);
    switch (credential.kind) {
      case 'session':
        return this.fromSession(credential.token);
      case 'bearer':
        return isApiToken(credential.token) ? this.fromApiToken(credential.token) : this.fromVerifiers(credential.token);
      default:
        return null;
    }
  }

  /** A session is alive while not revoked, before its absolute end, and seen within the idle timeout. */
  private async fromSession(token: string): Promise<Principal | null> {
    const session = await this.repository.session(this.db, sha256(token));
    const now = this.clock.now();
    if (!session || session.revokedAt || session.expiresAt <= now) return null;
    if (now.getTime() - session.lastSeenAt.getTime() >= this.config.identity.sessionIdleMinutes * 60_000) return null;
    const operator = await this.repository.operatorWithOffices(this.db, { id: session.operatorId });
    if (!operator || operator.disabledAt) return null;
    if (now.getTime() - session.lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) await this.repository.touchSession(this.db, session.id, now);
    return this.principal(operator, { via: 'session', credentialId: session.id });
  }

  /** A token holds at most its operator's current roles and offices: taking them from the operator narrows the token too. */
  private async fromApiToken(token: string): Promise<Principal | null> {
    const row = await this.repository.tokenByHash(this.db, sha256(token));
    const now = this.clock.now();
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now)) return null;
    const operator = await this.repository.operatorWithOffices(this.db, { id: row.operatorId });
    if (!operator || operator.disabledAt) return null;
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= TOUCH_INTERVAL_MS)
      await this.repository.touchToken(this.db, row.id, now);
    return this.principal(operator, {
      via: 'token',
      credentialId: row.id,
      roles: row.roles.filter((r) => operator.roles.includes(r)),
      officeIds: row.officeIds.filter((o) => operator.officeIds.includes(o)),
    });
  }

  private async fromVerifiers(token: string): Promise<Principal | null> {
    for (const verifier of this.verifiers ?? []) {
      if (!verifier.accepts(token)) continue;
      const claim = await verifier.verify(token);
      if (!claim) return null;
      const operator = claim.operatorId
        ? await this.repository.operatorWithOffices(this.db, { id: claim.operatorId })
        : claim.username
          ? await this.repository.operatorWithOffices(this.db, { username: claim.username })
          : null;
      if (!operator || operator.disabledAt) return null;
      const roles = claim.roles ? operator.roles.filter((r) => claim.roles!.includes(r)) : undefined;
      return this.principal(operator, { via: 'oidc', credentialId: claim.credentialId, roles });
    }
    return null;
  }

  /** The Principal of an operator (also what POST /auth/login answers with): their offices and agency are read if not given. */
  async principal(
    given: OperatorRow | OperatorWithOffices,
    args: { via: Principal['via']; credentialId: string; roles?: Role[]; officeIds?: string[] },
  ): Promise<Principal> {
    const operator = 'offices' in given ? given : await this.repository.operatorWithOffices(this.db, { id: given.id });
    if (!operator) throw new Error(`operator ${given.id} vanished`);
    const officeIds = args.officeIds ?? operator.officeIds;
    const supervised = operator.offices.filter((o) => officeIds.includes(o.id)).flatMap((o) => o.supervisesOfficeIds);
    const agency = operator.agency;
    return {
      operator: { id: operator.id, username: operator.username, name: operator.name, kind: operator.kind },
      agency: agency ? { id: agency.id, name: agency.name, kind: agency.kind } : null,
      officeIds,
      reachableOfficeIds: [...new Set([...officeIds, ...supervised])],
      roles: args.roles ?? operator.roles,
      via: args.via,
      credentialId: args.credentialId,
    };
  }
}
