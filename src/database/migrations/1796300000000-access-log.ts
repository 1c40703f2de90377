import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Step 6, accountability (GDPR art. 5(2), 30, 32): one row per read of a real case's personal data,
 * who and when, by which credential and route. Never the subject, a name or a payload. Operators are
 * disabled, never deleted: the foreign key restricts, so no row loses its author.
 */
export class AccessLog1796300000000 implements MigrationInterface {
  name = 'AccessLog1796300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "access_log" ("id" uuid NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL, "operator_id" uuid NOT NULL, "credential" character varying(16) NOT NULL, "case_id" uuid NOT NULL, "route" character varying(200) NOT NULL, "request_id" character varying(100), CONSTRAINT "CHK_access_log_credential" CHECK ("credential" IN ('session', 'token', 'oidc')), CONSTRAINT "PK_access_log" PRIMARY KEY ("id"))`,
    );
    // Ascending: read backwards, the same index serves "newest first" (ORDER BY at DESC, id DESC).
    await queryRunner.query(`CREATE INDEX "IDX_access_log_case" ON "access_log" ("case_id", "at", "id")`);
    await queryRunner.query(`CREATE INDEX "IDX_access_log_operator" ON "access_log" ("operator_id", "at", "id")`);
    await queryRunner.query(
      `ALTER TABLE "access_log" ADD CONSTRAINT "FK_access_log_operator" FOREIGN KEY ("operator_id") REFERENCES "operators"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "access_log" DROP CONSTRAINT "FK_access_log_operator"`);
    await queryRunner.query(`DROP TABLE "access_log"`);
  }
}
