import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every API process that answers from memory (GET /articles/:id's response cache, the auth guard's callers)
 * hears at commit which row changed, whichever process or path wrote it (see RowChangeListener):
 * - `articles_changed` with the article id: any change to an article row, its removal, or a new attested
 *   review of it (what GET /articles/:id shows). Revisions cannot change (the database refuses it), and new
 *   articles need no message: nothing is cached for an id that did not exist.
 * - `users_changed` with the user id: a change to what authenticates a caller (token version, active, roles)
 *   or what the request carries about them (name, e-mail), or the user's removal.
 */
export class RowChangeNotify1795735000000 implements MigrationInterface {
  name = 'RowChangeNotify1795735000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION articles_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('articles_changed', OLD.id::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER articles_notify_update AFTER UPDATE ON articles FOR EACH ROW
         WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION articles_notify()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER articles_notify_delete AFTER DELETE ON articles FOR EACH ROW EXECUTE FUNCTION articles_notify()`,
    );
    await queryRunner.query(`
      CREATE FUNCTION attested_reviews_notify_article() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('articles_changed', NEW.article_id::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER attested_reviews_notify AFTER INSERT ON attested_reviews FOR EACH ROW
         EXECUTE FUNCTION attested_reviews_notify_article()`,
    );
    await queryRunner.query(`
      CREATE FUNCTION users_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('users_changed', OLD.id::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER users_notify_update AFTER UPDATE ON users FOR EACH ROW
         WHEN (OLD.token_version IS DISTINCT FROM NEW.token_version OR OLD.active IS DISTINCT FROM NEW.active
               OR OLD.roles IS DISTINCT FROM NEW.roles OR OLD.name IS DISTINCT FROM NEW.name
               OR OLD.email IS DISTINCT FROM NEW.email)
         EXECUTE FUNCTION users_notify()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER users_notify_delete AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION users_notify()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER users_notify_delete ON users`);
    await queryRunner.query(`DROP TRIGGER users_notify_update ON users`);
    await queryRunner.query(`DROP FUNCTION users_notify()`);
    await queryRunner.query(`DROP TRIGGER attested_reviews_notify ON attested_reviews`);
    await queryRunner.query(`DROP FUNCTION attested_reviews_notify_article()`);
    await queryRunner.query(`DROP TRIGGER articles_notify_delete ON articles`);
    await queryRunner.query(`DROP TRIGGER articles_notify_update ON articles`);
    await queryRunner.query(`DROP FUNCTION articles_notify()`);
  }
}
