import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Written by hand (TypeORM's generator does not see a renamed primary key): the idempotency keys'
 * primary key gets the explicit name the entity declares, which CaseService matches on.
 */
export class NamedConstraints1796156674591 implements MigrationInterface {
  name = 'NamedConstraints1796156674591';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "idempotency_keys" RENAME CONSTRAINT "PK_15de2f76fa9f27ad8f330983607" TO "PK_idempotency_keys"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "idempotency_keys" RENAME CONSTRAINT "PK_idempotency_keys" TO "PK_15de2f76fa9f27ad8f330983607"`);
  }
}
