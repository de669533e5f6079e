import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail off the critical path (issue #15 §1): events are appended without a lock and sealed into the
 * hash chain afterwards by one sealer, which signs each batch's head (audit_checkpoints). The database lets an
 * unsealed event be sealed once and refuses every other change. Review decisions become immutable; assignments
 * and comments may change only in the columns their workflow changes.
 *
 * Events recorded before this migration were chained under the old scheme (a global lock, no seq); they are
 * unsealed here and the sealer re-chains them, first, under the new one with signed checkpoints.
 */
export class AuditSealing1795740000000 implements MigrationInterface {
  name = 'AuditSealing1795740000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "audit_events_immutable" ON "audit_events"`);
    await queryRunner.query(`ALTER TABLE "audit_events" ADD "txid" bigint NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE "audit_events" ALTER COLUMN "txid" DROP DEFAULT`);
    await queryRunner.query(`ALTER TABLE "audit_events" ADD "seq" bigint`);
    await queryRunner.query(`ALTER TABLE "audit_events" ALTER COLUMN "prev_hash" DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE "audit_events" ALTER COLUMN "hash" DROP NOT NULL`);
    await queryRunner.query(`UPDATE "audit_events" SET "prev_hash" = NULL, "hash" = NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_audit_events_seq" ON "audit_events" ("seq") `);
    await queryRunner.query(
      `CREATE INDEX "IDX_audit_events_unsealed" ON "audit_events" ("txid", "id") WHERE "seq" IS NULL`,
    );
    await queryRunner.query(`
      CREATE FUNCTION audit_events_seal_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND OLD.hash IS NULL
           AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
           AND (NEW.id, NEW.occurred_at, NEW.actor_id, NEW.action, NEW.entity_type, NEW.entity_id,
                NEW.article_id, NEW.before, NEW.after, NEW.txid)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.occurred_at, OLD.actor_id, OLD.action, OLD.entity_type, OLD.entity_id,
                OLD.article_id, OLD.before, OLD.after, OLD.txid)
        THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION '% on audit_events is not allowed: rows are immutable (an unsealed event may only be sealed, once)', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER "audit_events_immutable" BEFORE UPDATE OR DELETE ON "audit_events" FOR EACH ROW EXECUTE FUNCTION audit_events_seal_only()`,
    );

    await queryRunner.query(
      `CREATE TABLE "audit_checkpoints" ("seq" bigint NOT NULL, "first_seq" bigint NOT NULL, "head_hash" character(64) NOT NULL, "sealed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "hmac" character(64) NOT NULL, CONSTRAINT "PK_audit_checkpoints" PRIMARY KEY ("seq"))`,
    );
    for (const table of ['audit_checkpoints', 'review_decisions']) {
      await queryRunner.query(
        `CREATE TRIGGER "${table}_immutable" BEFORE UPDATE OR DELETE ON "${table}" FOR EACH ROW EXECUTE FUNCTION refuse_mutation()`,
      );
    }
    for (const table of ['audit_checkpoints', 'review_decisions', 'assignments', 'comments']) {
      await queryRunner.query(
        `CREATE TRIGGER "${table}_no_truncate" BEFORE TRUNCATE ON "${table}" FOR EACH STATEMENT EXECUTE FUNCTION refuse_mutation()`,
      );
    }

    // Assignments: who, what, when it is due and who assigned it never change; an open assignment (pending or
    // accepted) moves to another status once, with its response, decline reason or completion; a closed one is final.
    await queryRunner.query(`
      CREATE FUNCTION assignments_workflow_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND OLD.status IN ('pending', 'accepted')
           AND (NEW.id, NEW.article_id, NEW.reviewer_id, NEW.kind, NEW.due_at, NEW.assigned_by_id, NEW.created_at)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.article_id, OLD.reviewer_id, OLD.kind, OLD.due_at, OLD.assigned_by_id, OLD.created_at)
        THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION '% on assignments is not allowed: only an open assignment''s status, response, decline reason and completion may change', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER "assignments_workflow_only" BEFORE UPDATE OR DELETE ON "assignments" FOR EACH ROW EXECUTE FUNCTION assignments_workflow_only()`,
    );

    // Comments: the text and where it points never change; a comment is resolved once (when and by whom).
    await queryRunner.query(`
      CREATE FUNCTION comments_resolve_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND OLD.resolved_at IS NULL AND OLD.resolved_by_id IS NULL
           AND NEW.resolved_at IS NOT NULL
           AND (NEW.id, NEW.article_id, NEW.parent_id, NEW.author_id, NEW.revision_number, NEW.section_index,
                NEW.body, NEW.created_at)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.article_id, OLD.parent_id, OLD.author_id, OLD.revision_number, OLD.section_index,
                OLD.body, OLD.created_at)
        THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION '% on comments is not allowed: a comment may only be resolved, once', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER "comments_resolve_only" BEFORE UPDATE OR DELETE ON "comments" FOR EACH ROW EXECUTE FUNCTION comments_resolve_only()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "comments_resolve_only" ON "comments"`);
    await queryRunner.query(`DROP FUNCTION comments_resolve_only()`);
    await queryRunner.query(`DROP TRIGGER "assignments_workflow_only" ON "assignments"`);
    await queryRunner.query(`DROP FUNCTION assignments_workflow_only()`);
    for (const table of ['audit_checkpoints', 'review_decisions', 'assignments', 'comments']) {
      await queryRunner.query(`DROP TRIGGER "${table}_no_truncate" ON "${table}"`);
    }
    await queryRunner.query(`DROP TRIGGER "review_decisions_immutable" ON "review_decisions"`);
    await queryRunner.query(`DROP TABLE "audit_checkpoints"`);
    // The old chain cannot be rebuilt here (it was linked under a global lock): going down keeps the events and
    // drops the new chain; the old verification will report them until they are re-chained by hand.
    await queryRunner.query(`DROP TRIGGER "audit_events_immutable" ON "audit_events"`);
    await queryRunner.query(`DROP FUNCTION audit_events_seal_only()`);
    await queryRunner.query(`DROP INDEX "public"."IDX_audit_events_unsealed"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_audit_events_seq"`);
    await queryRunner.query(
      `UPDATE "audit_events" SET "prev_hash" = '', "hash" = id::text WHERE "hash" IS NULL`,
    );
    await queryRunner.query(`ALTER TABLE "audit_events" ALTER COLUMN "hash" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "audit_events" ALTER COLUMN "prev_hash" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "audit_events" DROP COLUMN "seq"`);
    await queryRunner.query(`ALTER TABLE "audit_events" DROP COLUMN "txid"`);
    await queryRunner.query(
      `CREATE TRIGGER "audit_events_immutable" BEFORE UPDATE OR DELETE ON "audit_events" FOR EACH ROW EXECUTE FUNCTION refuse_mutation()`,
    );
  }
}
