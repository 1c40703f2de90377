import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Written by hand (TypeORM does not generate expression indexes): `GET /cases?subject=` and
 * `office=` match whatever the letter case, `lower(column) = lower($1)`, so the indexes are on
 * `lower(...)`. The entity names them with `synchronize: false`.
 */
export class CaseInsensitiveFilters1796158000000 implements MigrationInterface {
  name = 'CaseInsensitiveFilters1796158000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_cases_subject"`);
    await queryRunner.query(`DROP INDEX "IDX_cases_office"`);
    await queryRunner.query(`CREATE INDEX "IDX_cases_subject_lower" ON "cases" (lower("subject"))`);
    await queryRunner.query(`CREATE INDEX "IDX_cases_office_lower" ON "cases" (lower("office"), "created_at", "id")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_cases_office_lower"`);
    await queryRunner.query(`DROP INDEX "IDX_cases_subject_lower"`);
    await queryRunner.query(`CREATE INDEX "IDX_cases_office" ON "cases" ("office", "created_at", "id")`);
    await queryRunner.query(`CREATE INDEX "IDX_cases_subject" ON "cases" ("subject")`);
  }
}
