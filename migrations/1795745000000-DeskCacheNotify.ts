import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The desk's in-memory caches hear at commit what changed (RowChangeListener), whichever process or path wrote it:
 * - `desk_sessions_changed` with the session's id hash: a session ended, its expiry or token version changed, or
 *   it was removed. Not the idle-timeout touch (`last_seen_at` alone): each process keeps its own last-seen time.
 * - `review_state_changed` with the article id: any assignment, review decision, sign-off or comment of the article
 *   was added, changed or removed (what the review page shows besides the article row and people).
 * - `users_changed` with the user id (the channel of RowChangeNotify) also when a reviewer profile (the byline the
 *   review page prints, and whether its reader may sign) is added, changed or removed.
 */
export class DeskCacheNotify1795745000000 implements MigrationInterface {
  name = 'DeskCacheNotify1795745000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION desk_sessions_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('desk_sessions_changed', OLD.id_hash::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER desk_sessions_notify_update AFTER UPDATE ON desk_sessions FOR EACH ROW
         WHEN (OLD.ended_at IS DISTINCT FROM NEW.ended_at OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
               OR OLD.token_version IS DISTINCT FROM NEW.token_version OR OLD.user_id IS DISTINCT FROM NEW.user_id
               OR OLD.id_hash IS DISTINCT FROM NEW.id_hash)
         EXECUTE FUNCTION desk_sessions_notify()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER desk_sessions_notify_delete AFTER DELETE ON desk_sessions FOR EACH ROW
         EXECUTE FUNCTION desk_sessions_notify()`,
    );
    await queryRunner.query(`
      CREATE FUNCTION review_state_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          PERFORM pg_notify('review_state_changed', OLD.article_id::text);
        ELSE
          PERFORM pg_notify('review_state_changed', NEW.article_id::text);
          IF TG_OP = 'UPDATE' AND OLD.article_id IS DISTINCT FROM NEW.article_id THEN
            PERFORM pg_notify('review_state_changed', OLD.article_id::text);
          END IF;
        END IF;
        RETURN NULL;
      END $$`);
    for (const table of ['assignments', 'review_decisions', 'sign_offs', 'comments']) {
      await queryRunner.query(
        `CREATE TRIGGER ${table}_review_state_notify AFTER INSERT OR UPDATE OR DELETE ON ${table} FOR EACH ROW
           EXECUTE FUNCTION review_state_notify()`,
      );
    }
    await queryRunner.query(`
      CREATE FUNCTION reviewer_profiles_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          PERFORM pg_notify('users_changed', OLD.user_id::text);
        ELSE
          PERFORM pg_notify('users_changed', NEW.user_id::text);
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER reviewer_profiles_notify AFTER INSERT OR UPDATE OR DELETE ON reviewer_profiles FOR EACH ROW
         EXECUTE FUNCTION reviewer_profiles_notify()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER reviewer_profiles_notify ON reviewer_profiles`);
    await queryRunner.query(`DROP FUNCTION reviewer_profiles_notify()`);
    for (const table of ['assignments', 'review_decisions', 'sign_offs', 'comments']) {
      await queryRunner.query(`DROP TRIGGER ${table}_review_state_notify ON ${table}`);
    }
    await queryRunner.query(`DROP FUNCTION review_state_notify()`);
    await queryRunner.query(`DROP TRIGGER desk_sessions_notify_delete ON desk_sessions`);
    await queryRunner.query(`DROP TRIGGER desk_sessions_notify_update ON desk_sessions`);
    await queryRunner.query(`DROP FUNCTION desk_sessions_notify()`);
  }
}
