import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The agency that receives the offices named in cases opened before Step 6, for an admin to sort out. */
export const IMPORTED_AGENCY_ID = '00000000-0000-4000-8000-0000000000a9';
const UNNAMED_OFFICE = 'Sede non indicata';
const office = `coalesce(nullif(trim(c.office), ''), '${UNNAMED_OFFICE}')`;

/**
 * Step 6: a case belongs to an office of the registry (who reaches it) and may have an assignee.
 * The free-text `office` of existing cases becomes an office per distinct name (whatever the letter
 * case; cases without one go to "Sede non indicata"), in one agency, "Uffici importati", of kind
 * cpi (the old default operator's), which an admin renames or whose offices they move
 * (docs/security.md). Then the text column goes. The actors already recorded in the histories stay
 * as they were. Idempotency-key scopes grow to 100 characters (they now name the operator).
 */
export class CaseOffices1796400000000 implements MigrationInterface {
  name = 'CaseOffices1796400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Idempotency keys are scoped to their operator too: case:<case id>:<operator id> is 78 characters.
    await queryRunner.query(`ALTER TABLE "idempotency_keys" ALTER COLUMN "scope" TYPE character varying(100)`);
    await queryRunner.query(`ALTER TABLE "cases" ADD "office_id" uuid`);
    await queryRunner.query(`ALTER TABLE "cases" ADD "assignee_id" uuid`);
    await queryRunner.query(
      `INSERT INTO "agencies" ("id", "name", "kind", "created_at")
       SELECT '${IMPORTED_AGENCY_ID}', 'Uffici importati', 'cpi', now() WHERE EXISTS (SELECT 1 FROM "cases")`,
    );
    await queryRunner.query(
      `INSERT INTO "offices" ("id", "agency_id", "name", "created_at")
       SELECT gen_random_uuid(), '${IMPORTED_AGENCY_ID}', min(${office}), now() FROM "cases" c GROUP BY lower(${office})`,
    );
    await queryRunner.query(
      `UPDATE "cases" c SET "office_id" = o."id" FROM "offices" o
       WHERE o."agency_id" = '${IMPORTED_AGENCY_ID}' AND lower(o."name") = lower(${office})`,
    );
    await queryRunner.query(`DROP INDEX "IDX_cases_office_lower"`);
    await queryRunner.query(`ALTER TABLE "cases" DROP COLUMN "office"`);
    await queryRunner.query(`CREATE INDEX "IDX_cases_office" ON "cases" ("office_id", "created_at", "id")`);
    await queryRunner.query(`CREATE INDEX "IDX_cases_assignee" ON "cases" ("assignee_id", "created_at", "id")`);
    await queryRunner.query(
      `ALTER TABLE "cases" ADD CONSTRAINT "FK_cases_office" FOREIGN KEY ("office_id") REFERENCES "offices"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "cases" ADD CONSTRAINT "FK_cases_assignee" FOREIGN KEY ("assignee_id") REFERENCES "operators"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  /** Back to the office's name as text; the offices stay in the registry. */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "cases" DROP CONSTRAINT "FK_cases_assignee"`);
    await queryRunner.query(`ALTER TABLE "cases" DROP CONSTRAINT "FK_cases_office"`);
    await queryRunner.query(`DROP INDEX "IDX_cases_assignee"`);
    await queryRunner.query(`DROP INDEX "IDX_cases_office"`);
    await queryRunner.query(`ALTER TABLE "cases" ADD "office" character varying(100)`);
    await queryRunner.query(`UPDATE "cases" c SET "office" = left(o."name", 100) FROM "offices" o WHERE o."id" = c."office_id"`);
    await queryRunner.query(`ALTER TABLE "cases" DROP COLUMN "assignee_id"`);
    await queryRunner.query(`ALTER TABLE "cases" DROP COLUMN "office_id"`);
    await queryRunner.query(`CREATE INDEX "IDX_cases_office_lower" ON "cases" (lower("office"), "created_at", "id")`);
    await queryRunner.query(`DELETE FROM "idempotency_keys" WHERE length("scope") > 64`);
    await queryRunner.query(`ALTER TABLE "idempotency_keys" ALTER COLUMN "scope" TYPE character varying(64)`);
  }
}
