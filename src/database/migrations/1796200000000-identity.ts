import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Step 6, identity: agencies, offices (and which offices supervise which), operators with their
 * offices and roles, sessions and API tokens. Generated from the entities, then the case-insensitive
 * unique index on lower(username) added by hand (TypeORM does not generate expression indexes).
 */
export class Identity1796200000000 implements MigrationInterface {
  name = 'Identity1796200000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "agencies" ("id" uuid NOT NULL, "name" character varying(200) NOT NULL, "kind" character varying(16) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "CHK_agencies_kind" CHECK ("kind" IN ('cpi', 'accredited')), CONSTRAINT "PK_agencies" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "offices" ("id" uuid NOT NULL, "agency_id" uuid NOT NULL, "name" character varying(200) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_offices" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_offices_agency" ON "offices" ("agency_id")`);
    await queryRunner.query(
      `CREATE TABLE "office_supervision" ("office_id" uuid NOT NULL, "supervised_office_id" uuid NOT NULL, CONSTRAINT "PK_office_supervision" PRIMARY KEY ("office_id", "supervised_office_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_office_supervision_supervised" ON "office_supervision" ("supervised_office_id")`);
    await queryRunner.query(
      `CREATE TABLE "operators" ("id" uuid NOT NULL, "username" character varying(100) NOT NULL, "name" character varying(200) NOT NULL, "password_hash" character varying(255), "kind" character varying(16) NOT NULL, "roles" text array NOT NULL, "disabled_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "CHK_operators_kind" CHECK ("kind" IN ('person', 'service')), CONSTRAINT "PK_operators" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_operators_username_lower" ON "operators" (lower("username"))`);
    await queryRunner.query(
      `CREATE TABLE "operator_offices" ("operator_id" uuid NOT NULL, "office_id" uuid NOT NULL, CONSTRAINT "PK_operator_offices" PRIMARY KEY ("operator_id", "office_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_operator_offices_office" ON "operator_offices" ("office_id")`);
    await queryRunner.query(
      `CREATE TABLE "sessions" ("id" character varying(64) NOT NULL, "operator_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_sessions" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_sessions_operator" ON "sessions" ("operator_id")`);
    await queryRunner.query(
      `CREATE TABLE "api_tokens" ("id" uuid NOT NULL, "operator_id" uuid NOT NULL, "name" character varying(100) NOT NULL, "token_hash" character varying(64) NOT NULL, "roles" text array NOT NULL, "office_ids" uuid array NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE, "last_used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_api_tokens" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_api_tokens_operator" ON "api_tokens" ("operator_id", "created_at")`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_api_tokens_token_hash" ON "api_tokens" ("token_hash")`);
    for (const [table, name, column, target, onDelete] of FOREIGN_KEYS)
      await queryRunner.query(
        `ALTER TABLE "${table}" ADD CONSTRAINT "${name}" FOREIGN KEY ("${column}") REFERENCES "${target}"("id") ON DELETE ${onDelete} ON UPDATE NO ACTION`,
      );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table, name] of [...FOREIGN_KEYS].reverse()) await queryRunner.query(`ALTER TABLE "${table}" DROP CONSTRAINT "${name}"`);
    for (const table of ['api_tokens', 'sessions', 'operator_offices', 'operators', 'office_supervision', 'offices', 'agencies'])
      await queryRunner.query(`DROP TABLE "${table}"`);
  }
}

const FOREIGN_KEYS: [table: string, name: string, column: string, target: string, onDelete: 'CASCADE' | 'RESTRICT'][] = [
  ['offices', 'FK_offices_agency', 'agency_id', 'agencies', 'RESTRICT'],
  ['office_supervision', 'FK_office_supervision_office', 'office_id', 'offices', 'CASCADE'],
  ['office_supervision', 'FK_office_supervision_supervised', 'supervised_office_id', 'offices', 'CASCADE'],
  ['operator_offices', 'FK_operator_offices_operator', 'operator_id', 'operators', 'CASCADE'],
  ['operator_offices', 'FK_operator_offices_office', 'office_id', 'offices', 'RESTRICT'],
  ['sessions', 'FK_sessions_operator', 'operator_id', 'operators', 'CASCADE'],
  ['api_tokens', 'FK_api_tokens_operator', 'operator_id', 'operators', 'CASCADE'],
];
