import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every process that serves public pages from memory hears, at commit, which page changed (LISTEN
 * published_pages_changed), whichever process or path wrote it. Only changes a reader could see notify: the
 * HTML, whether it is live, and its URL; the export's bookkeeping columns do not.
 */
export class PublicPageNotify1795714000000 implements MigrationInterface {
  name = 'PublicPageNotify1795714000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION published_pages_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('published_pages_changed', OLD.slug); END IF;
        IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('published_pages_changed', NEW.slug); END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER published_pages_notify_insert_delete AFTER INSERT OR DELETE ON published_pages
         FOR EACH ROW EXECUTE FUNCTION published_pages_notify()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER published_pages_notify_update AFTER UPDATE ON published_pages
         FOR EACH ROW WHEN (OLD.html_checksum IS DISTINCT FROM NEW.html_checksum OR OLD.live IS DISTINCT FROM NEW.live
                            OR OLD.slug IS DISTINCT FROM NEW.slug)
         EXECUTE FUNCTION published_pages_notify()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER published_pages_notify_update ON published_pages`);
    await queryRunner.query(`DROP TRIGGER published_pages_notify_insert_delete ON published_pages`);
    await queryRunner.query(`DROP FUNCTION published_pages_notify()`);
  }
}
