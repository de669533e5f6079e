import { MigrationInterface, QueryRunner } from 'typeorm';

export class Publishing1795712000000 implements MigrationInterface {
  name = 'Publishing1795712000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "published_pages" ("article_id" uuid NOT NULL, "slug" character varying(120) NOT NULL, "live" boolean NOT NULL DEFAULT true, "title" character varying(200) NOT NULL, "description" text NOT NULL, "revision_number" integer NOT NULL, "sign_off_id" uuid NOT NULL, "reviewer_id" uuid NOT NULL, "last_reviewed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "next_review_due_at" TIMESTAMP WITH TIME ZONE, "modified_at" TIMESTAMP WITH TIME ZONE NOT NULL, "related_slugs" text array NOT NULL DEFAULT '{}', "html" text, "html_checksum" character(64), "render_fingerprint" character(64), "stale" boolean NOT NULL DEFAULT false, "exported_checksum" character(64), "exported_slug" character varying(120), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_fef7137cb559c0bd809cd18e59d" PRIMARY KEY ("article_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_published_pages_slug" ON "published_pages"  ("slug") `);
    await queryRunner.query(
      `CREATE INDEX "IDX_published_pages_reviewer" ON "published_pages"  ("reviewer_id") `,
    );
    // Pages that link to a slug, found when that article goes live, changes title or comes down.
    await queryRunner.query(
      `CREATE INDEX "IDX_published_pages_related" ON "published_pages" USING GIN ("related_slugs")`,
    );
    await queryRunner.query(
      `CREATE TABLE "scheduled_publishes" ("article_id" uuid NOT NULL, "publish_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revision_number" integer NOT NULL, "requested_by_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_0fc8b8388d55a616cddd47799eb" PRIMARY KEY ("article_id"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "scheduled_publishes"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_published_pages_related"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_published_pages_reviewer"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_published_pages_slug"`);
    await queryRunner.query(`DROP TABLE "published_pages"`);
  }
}
