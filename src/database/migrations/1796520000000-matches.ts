import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Step 7, the matching act: a person's case (A.6) and an employer's case (B.4) move together, and
 * the act itself is kept: which cases, which vacancy, the sequence of each side's event, and the
 * outcome (null until recorded; hired or not_selected). Written in the transaction that records
 * both events; read by case (GET /matches?personCaseId|employerCaseId).
 */
export class Matches1796520000000 implements MigrationInterface {
  name = 'Matches1796520000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "matches" ("id" uuid NOT NULL, "person_case_id" uuid NOT NULL, "employer_case_id" uuid NOT NULL, "vacancy_id" character varying(100) NOT NULL, "person_sequence" integer NOT NULL, "employer_sequence" integer NOT NULL, "outcome" character varying(16), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "outcome_at" TIMESTAMP WITH TIME ZONE, "created_by" uuid NOT NULL, CONSTRAINT "CHK_matches_outcome" CHECK ("outcome" IN ('hired', 'not_selected')), CONSTRAINT "PK_matches" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_matches_person" ON "matches" ("person_case_id", "created_at", "id")`);
    await queryRunner.query(`CREATE INDEX "IDX_matches_employer" ON "matches" ("employer_case_id", "created_at", "id")`);
    await queryRunner.query(
      `ALTER TABLE "matches" ADD CONSTRAINT "FK_matches_person_case" FOREIGN KEY ("person_case_id") REFERENCES "cases"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "matches" ADD CONSTRAINT "FK_matches_employer_case" FOREIGN KEY ("employer_case_id") REFERENCES "cases"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "matches" ADD CONSTRAINT "FK_matches_created_by" FOREIGN KEY ("created_by") REFERENCES "operators"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "matches"`);
  }
}
