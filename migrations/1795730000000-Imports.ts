import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Imported history: attested past reviews (immutable, like sign-offs) and the source each article came from. */
export class Imports1795730000000 implements MigrationInterface {
  name = 'Imports1795730000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "attested_reviews" ("id" uuid NOT NULL, "article_id" uuid NOT NULL, "revision_number" integer NOT NULL, "content_hash" character(64) NOT NULL, "reviewer_user_id" uuid, "reviewer_display_name" character varying(120) NOT NULL, "reviewer_credentials" character varying(60) NOT NULL, "reviewer_affiliation" character varying(200) NOT NULL, "reviewed_on" date NOT NULL, "reviewed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "time_zone" character varying(64) NOT NULL, "source_url" character varying(2000), "source_name" character varying(500) NOT NULL, "source_byline" text, "publish_allowed" boolean NOT NULL, "meaning" character varying(60) NOT NULL DEFAULT 'attested at import, not e-signed in this service', "imported_by_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_attested_reviews" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_attested_reviews_article" ON "attested_reviews" ("article_id", "reviewed_at")`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "attested_reviews_immutable" BEFORE UPDATE OR DELETE ON "attested_reviews" FOR EACH ROW EXECUTE FUNCTION refuse_mutation()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "attested_reviews_no_truncate" BEFORE TRUNCATE ON "attested_reviews" FOR EACH STATEMENT EXECUTE FUNCTION refuse_mutation()`,
    );
    await queryRunner.query(
      `CREATE TABLE "imported_sources" ("source_key" character varying(2100) NOT NULL, "article_id" uuid NOT NULL, "source_url" character varying(2000), "source_kind" character varying(20) NOT NULL, "original_author" character varying(200), "source_name" character varying(500) NOT NULL, "first_imported_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_imported_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_imported_sources" PRIMARY KEY ("source_key"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_imported_sources_article" ON "imported_sources" ("article_id")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "imported_sources"`);
    await queryRunner.query(`DROP TRIGGER "attested_reviews_no_truncate" ON "attested_reviews"`);
    await queryRunner.query(`DROP TRIGGER "attested_reviews_immutable" ON "attested_reviews"`);
    await queryRunner.query(`DROP TABLE "attested_reviews"`);
  }
}
