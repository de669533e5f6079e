import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1795709320875 implements MigrationInterface {
  name = 'InitialSchema1795709320875';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS "uuid-ossp"`);
    await queryRunner.query(
      `CREATE TABLE "articles" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "slug" character varying(120) NOT NULL, "title" character varying(200) NOT NULL, "specialty" character varying(64) NOT NULL, "status" character varying(20) NOT NULL DEFAULT 'draft', "author_id" uuid NOT NULL, "version" integer NOT NULL DEFAULT '1', "current_revision" integer NOT NULL DEFAULT '1', "published_revision" integer, "latest_sign_off" jsonb, "review_cadence" character varying(40), "last_reviewed_at" TIMESTAMP WITH TIME ZONE, "next_review_due_at" TIMESTAMP WITH TIME ZONE, "first_published_at" TIMESTAMP WITH TIME ZONE, "search_document" tsvector, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_0a6e2c450d83e0b6052c2793334" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_articles_slug" ON "articles"  ("slug") `);
    await queryRunner.query(`CREATE INDEX "IDX_articles_specialty" ON "articles"  ("specialty") `);
    await queryRunner.query(`CREATE INDEX "IDX_articles_status" ON "articles"  ("status") `);
    await queryRunner.query(`CREATE INDEX "IDX_articles_author" ON "articles"  ("author_id") `);
    await queryRunner.query(
      `CREATE INDEX "IDX_articles_next_review_due" ON "articles"  ("next_review_due_at") `,
    );
    await queryRunner.query(`CREATE INDEX "IDX_articles_updated" ON "articles"  ("updated_at", "id") `);
    await queryRunner.query(
      `CREATE TABLE "comments" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "article_id" uuid NOT NULL, "parent_id" uuid, "author_id" uuid NOT NULL, "revision_number" integer, "section_index" integer, "body" text NOT NULL, "resolved_at" TIMESTAMP WITH TIME ZONE, "resolved_by_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_8bf68bc960f2b69e818bdb90dcb" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_comments_article" ON "comments"  ("article_id", "created_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "revisions" ("article_id" uuid NOT NULL, "number" integer NOT NULL, "content" jsonb NOT NULL, "rendered" jsonb NOT NULL, "content_hash" character(64) NOT NULL, "created_by_id" uuid NOT NULL, "change_note" character varying(500), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_b9a71a980e0ac9a09b0e12df235" PRIMARY KEY ("article_id", "number"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "audit_events" ("id" BIGSERIAL NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "actor_id" uuid, "action" character varying(80) NOT NULL, "entity_type" character varying(40) NOT NULL, "entity_id" character varying(80) NOT NULL, "article_id" uuid, "before" jsonb, "after" jsonb, "prev_hash" character(64) NOT NULL, "hash" character(64) NOT NULL, CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_audit_events_article" ON "audit_events"  ("article_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_audit_events_hash" ON "audit_events"  ("hash") `);
    await queryRunner.query(
      `CREATE INDEX "IDX_audit_events_entity" ON "audit_events"  ("entity_type", "entity_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "email_outbox" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "dedupe_key" character varying(300) NOT NULL, "template" character varying(60) NOT NULL, "to_address" character varying(254) NOT NULL, "to_user_id" uuid, "article_id" uuid, "context" jsonb NOT NULL, "status" character varying(20) NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "last_error" text, "message_id" character varying(300), "sent_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_b6fbfc201f705fbf1ac87bd7197" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_email_outbox_dedupe_key" ON "email_outbox"  ("dedupe_key") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_email_outbox_status" ON "email_outbox"  ("status", "created_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "publications" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "article_id" uuid NOT NULL, "action" character varying(20) NOT NULL, "revision_number" integer NOT NULL, "sign_off_id" uuid, "html_checksum" character(64), "target" character varying(500) NOT NULL, "actor_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_2c4e732b044e09139d2f1065fae" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_publications_article" ON "publications"  ("article_id", "created_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_deliveries" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "article_id" uuid NOT NULL, "publication_id" uuid, "url" character varying(500) NOT NULL, "event" character varying(20) NOT NULL, "status" character varying(20) NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "response_status" integer, "last_error" text, "delivered_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_535dd409947fb6d8fc6dfc0112a" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_webhook_deliveries_article" ON "webhook_deliveries"  ("article_id", "created_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "review_decisions" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "article_id" uuid NOT NULL, "assignment_id" uuid NOT NULL, "reviewer_id" uuid NOT NULL, "revision_number" integer NOT NULL, "content_hash" character(64) NOT NULL, "decision" character varying(20) NOT NULL, "comments" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_1fb0883c5b1ef83c015f2ab3b24" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_review_decisions_assignment_revision" ON "review_decisions"  ("assignment_id", "revision_number") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_review_decisions_article" ON "review_decisions"  ("article_id", "created_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "assignments" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "article_id" uuid NOT NULL, "reviewer_id" uuid NOT NULL, "kind" character varying(20) NOT NULL, "status" character varying(20) NOT NULL DEFAULT 'pending', "due_at" TIMESTAMP WITH TIME ZONE NOT NULL, "assigned_by_id" uuid, "decline_reason" character varying(1000), "responded_at" TIMESTAMP WITH TIME ZONE, "completed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_c54ca359535e0012b04dcbd80ee" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_assignments_reviewer" ON "assignments"  ("reviewer_id", "status") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_assignments_open_per_article" ON "assignments"  ("article_id") WHERE "status" IN ('pending', 'accepted')`,
    );
    await queryRunner.query(
      `CREATE TABLE "specialty_policies" ("specialty" character varying(64) NOT NULL, "cadence" character varying(40) NOT NULL, "updated_by_id" uuid, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_5c66b8b91a87c813a92e49c074b" PRIMARY KEY ("specialty"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "sign_offs" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "article_id" uuid NOT NULL, "revision_number" integer NOT NULL, "content_hash" character(64) NOT NULL, "reviewer_id" uuid NOT NULL, "decision_id" uuid NOT NULL, "reviewer_display_name" character varying(120) NOT NULL, "reviewer_credentials" character varying(60) NOT NULL, "reviewer_affiliation" character varying(200) NOT NULL, "license_number" character varying(60) NOT NULL, "license_region" character varying(60) NOT NULL, "license_expires_on" date NOT NULL, "meaning" character varying(40) NOT NULL DEFAULT 'medical review', "signed_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_00d1fe9643faa90273baa47a664" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_sign_offs_decision" ON "sign_offs"  ("decision_id") `);
    await queryRunner.query(
      `CREATE INDEX "IDX_sign_offs_article" ON "sign_offs"  ("article_id", "signed_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "email" character varying(254) NOT NULL, "name" character varying(120) NOT NULL, "password_hash" character varying(255) NOT NULL, "roles" text array NOT NULL, "active" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_users_email" ON "users"  ("email") `);
    await queryRunner.query(
      `CREATE TABLE "reviewer_profiles" ("user_id" uuid NOT NULL, "display_name" character varying(120) NOT NULL, "credentials" character varying(60) NOT NULL, "affiliation" character varying(200) NOT NULL, "specialties" text array NOT NULL DEFAULT '{}', "license_number" character varying(60) NOT NULL, "license_region" character varying(60) NOT NULL, "license_expires_on" date NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_d5d2c0054dff06c16b208188c56" PRIMARY KEY ("user_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "reviewer_profiles" ADD CONSTRAINT "FK_d5d2c0054dff06c16b208188c56" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );

    // Immutable records: the database itself refuses to change or remove them.
    await queryRunner.query(`
      CREATE FUNCTION refuse_mutation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% on % is not allowed: rows are immutable', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['audit_events', 'revisions', 'sign_offs']) {
      await queryRunner.query(
        `CREATE TRIGGER "${table}_immutable" BEFORE UPDATE OR DELETE ON "${table}" FOR EACH ROW EXECUTE FUNCTION refuse_mutation()`,
      );
      await queryRunner.query(
        `CREATE TRIGGER "${table}_no_truncate" BEFORE TRUNCATE ON "${table}" FOR EACH STATEMENT EXECUTE FUNCTION refuse_mutation()`,
      );
    }
    // Full-text search over title and body of the current revision (kept up to date by the articles service).
    await queryRunner.query(`CREATE INDEX "IDX_articles_search" ON "articles" USING GIN ("search_document")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_articles_search"`);
    for (const table of ['audit_events', 'revisions', 'sign_offs']) {
      await queryRunner.query(`DROP TRIGGER "${table}_immutable" ON "${table}"`);
      await queryRunner.query(`DROP TRIGGER "${table}_no_truncate" ON "${table}"`);
    }
    await queryRunner.query(`DROP FUNCTION refuse_mutation()`);
    await queryRunner.query(
      `ALTER TABLE "reviewer_profiles" DROP CONSTRAINT "FK_d5d2c0054dff06c16b208188c56"`,
    );
    await queryRunner.query(`DROP TABLE "reviewer_profiles"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_users_email"`);
    await queryRunner.query(`DROP TABLE "users"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_sign_offs_article"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_sign_offs_decision"`);
    await queryRunner.query(`DROP TABLE "sign_offs"`);
    await queryRunner.query(`DROP TABLE "specialty_policies"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_assignments_open_per_article"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_assignments_reviewer"`);
    await queryRunner.query(`DROP TABLE "assignments"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_review_decisions_article"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_review_decisions_assignment_revision"`);
    await queryRunner.query(`DROP TABLE "review_decisions"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_webhook_deliveries_article"`);
    await queryRunner.query(`DROP TABLE "webhook_deliveries"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_publications_article"`);
    await queryRunner.query(`DROP TABLE "publications"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_email_outbox_status"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_email_outbox_dedupe_key"`);
    await queryRunner.query(`DROP TABLE "email_outbox"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_audit_events_entity"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_audit_events_hash"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_audit_events_article"`);
    await queryRunner.query(`DROP TABLE "audit_events"`);
    await queryRunner.query(`DROP TABLE "revisions"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_comments_article"`);
    await queryRunner.query(`DROP TABLE "comments"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_articles_updated"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_articles_next_review_due"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_articles_author"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_articles_status"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_articles_specialty"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_articles_slug"`);
    await queryRunner.query(`DROP TABLE "articles"`);
  }
}
