import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Scheduling1795713000000 implements MigrationInterface {
  name = 'Scheduling1795713000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "review_schedules" ("article_id" uuid NOT NULL, "sign_off_id" uuid NOT NULL, "reviewer_id" uuid NOT NULL, "signed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "due_at" TIMESTAMP WITH TIME ZONE NOT NULL, "next_reminder_kind" character varying(40) NOT NULL, "next_reminder_at" TIMESTAMP WITH TIME ZONE NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_review_schedules" PRIMARY KEY ("article_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_review_schedules_next_reminder" ON "review_schedules" ("next_reminder_at") `);
    await queryRunner.query(`CREATE INDEX "IDX_review_schedules_due" ON "review_schedules" ("due_at") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_review_schedules_due"`);
    await queryRunner.query(`DROP INDEX "IDX_review_schedules_next_reminder"`);
    await queryRunner.query(`DROP TABLE "review_schedules"`);
  }
}
