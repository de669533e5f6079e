import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Automatic re-sends of reminder emails whose delivery is unknown: when each row was last attempted and how many
 * times it was re-sent on its own. Rows attempted before this migration take their last update as their last attempt.
 */
export class EmailResend1795741500000 implements MigrationInterface {
  name = 'EmailResend1795741500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "email_outbox" ADD "last_attempt_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "email_outbox" ADD "auto_resends" integer NOT NULL DEFAULT '0'`);
    await queryRunner.query(
      `UPDATE "email_outbox" SET "last_attempt_at" = "updated_at" WHERE "attempts" > 0`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "email_outbox" DROP COLUMN "auto_resends"`);
    await queryRunner.query(`ALTER TABLE "email_outbox" DROP COLUMN "last_attempt_at"`);
  }
}
