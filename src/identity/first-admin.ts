import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { pino, type Logger } from 'pino';
import { Clock } from '../common/clock.js';
import { logTransport } from '../common/log-transport.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { IdentityRepository } from './identity.repository.js';
import { Passwords, generatePassword } from './passwords.js';

/**
 * On start-up, when no enabled operator has the admin role: creates `admin` (roles [admin], no
 * office) with PERCORSI_ADMIN_PASSWORD, or with a generated password logged once at warn level.
 * Safe with several replicas starting together: the insert does nothing if `admin` exists, and
 * only the replica whose insert landed logs its password.
 */
@Injectable()
export class FirstAdmin implements OnApplicationBootstrap {
  private readonly logger: Logger;

  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(IdentityRepository) private readonly repository: IdentityRepository,
    @Inject(Passwords) private readonly passwords: Passwords,
  ) {
    this.logger = pino({ level: config.logLevel, transport: logTransport() }).child({ context: 'Identity' });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureAdmin();
  }

  /** Whether `admin` was created, and whether its password was generated. */
  async ensureAdmin(): Promise<{ created: boolean; generated: boolean }> {
    const db = this.database.dataSource.manager;
    if (await this.repository.anyAdmin(db)) return { created: false, generated: false };
    const generated = this.config.identity.adminPassword === null;
    const password = this.config.identity.adminPassword ?? generatePassword();
    const now = this.clock.now();
    const created = await this.repository.insertOperator(db, {
      id: randomUUID(),
      username: 'admin',
      name: 'Administrator',
      passwordHash: await this.passwords.hash(password),
      kind: 'person',
      roles: ['admin'],
      officeIds: [],
      disabledAt: null,
      createdAt: now,
      updatedAt: now,
    });
    if (!created) {
      this.logger.warn('no enabled operator has the admin role, and an operator named admin exists: no admin account was created');
      return { created: false, generated: false };
    }
    if (generated)
      this.logger.warn(
        `first start: created the operator admin with the generated password ${password} (shown only this once: sign in with POST /auth/login and change it with PATCH /admin/operators/:id, or set PERCORSI_ADMIN_PASSWORD before the first start)`,
      );
    else this.logger.warn('first start: created the operator admin with the password in PERCORSI_ADMIN_PASSWORD');
    return { created: true, generated };
  }
}
