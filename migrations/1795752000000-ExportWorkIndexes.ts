import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An incremental export finds its work through small partial indexes instead of walking every live page:
 *
 * - A live page showing another next-review date than its article's is now marked stale by the database, so
 *   "needs rendering" is the page's own `stale` (plus a template fingerprint other than the exporter's, which the
 *   export marks stale through an index on render_fingerprint) and the walk joins nothing. Two triggers keep
 *   that true under concurrency: a change of the article's date marks its page (taking the page's row lock even
 *   when it is already stale, so an export storing the page waits for it), and a page written live and not stale
 *   (a publish, a re-render, an export's refresh) stays stale if its date is not its article's at that moment.
 *   Together they hold what the export's join compared before (README "Performance", re-export after one change).
 * - Pages the directory does not hold yet, and folders to remove, each have a partial index on their condition.
 */
export class ExportWorkIndexes1795752000000 implements MigrationInterface {
  name = 'ExportWorkIndexes1795752000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION articles_due_date_marks_page() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE published_pages SET stale = true
         WHERE article_id = NEW.id AND live AND next_review_due_at IS DISTINCT FROM NEW.next_review_due_at;
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER articles_due_date_marks_page AFTER UPDATE OF next_review_due_at ON articles
         FOR EACH ROW WHEN (OLD.next_review_due_at IS DISTINCT FROM NEW.next_review_due_at)
         EXECUTE FUNCTION articles_due_date_marks_page()`,
    );
    await queryRunner.query(`
      CREATE FUNCTION published_pages_keep_stale() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM articles a WHERE a.id = NEW.article_id
                      AND a.next_review_due_at IS DISTINCT FROM NEW.next_review_due_at) THEN
          NEW.stale := true;
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER published_pages_keep_stale_insert BEFORE INSERT ON published_pages
         FOR EACH ROW WHEN (NEW.live AND NOT NEW.stale) EXECUTE FUNCTION published_pages_keep_stale()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER published_pages_keep_stale_update BEFORE UPDATE ON published_pages
         FOR EACH ROW WHEN (NEW.live AND NOT NEW.stale AND (OLD.stale OR NOT OLD.live
                            OR OLD.next_review_due_at IS DISTINCT FROM NEW.next_review_due_at))
         EXECUTE FUNCTION published_pages_keep_stale()`,
    );
    await queryRunner.query(
      `UPDATE published_pages p SET stale = true FROM articles a
        WHERE a.id = p.article_id AND p.live AND NOT p.stale
          AND p.next_review_due_at IS DISTINCT FROM a.next_review_due_at`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_published_pages_stale" ON published_pages (article_id) WHERE live AND stale`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_published_pages_fingerprint" ON published_pages (render_fingerprint) WHERE live`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_published_pages_unexported" ON published_pages (article_id)
        WHERE live AND (exported_checksum IS DISTINCT FROM html_checksum OR exported_slug IS DISTINCT FROM slug)`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_published_pages_folder_to_remove" ON published_pages (article_id)
        WHERE exported_slug IS NOT NULL AND (NOT live OR exported_slug <> slug)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_published_pages_folder_to_remove"`);
    await queryRunner.query(`DROP INDEX "IDX_published_pages_unexported"`);
    await queryRunner.query(`DROP INDEX "IDX_published_pages_fingerprint"`);
    await queryRunner.query(`DROP INDEX "IDX_published_pages_stale"`);
    await queryRunner.query(`DROP TRIGGER published_pages_keep_stale_update ON published_pages`);
    await queryRunner.query(`DROP TRIGGER published_pages_keep_stale_insert ON published_pages`);
    await queryRunner.query(`DROP FUNCTION published_pages_keep_stale()`);
    await queryRunner.query(`DROP TRIGGER articles_due_date_marks_page ON articles`);
    await queryRunner.query(`DROP FUNCTION articles_due_date_marks_page()`);
  }
}
