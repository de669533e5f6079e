import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Revision content and rendered HTML (and the search document) are TOASTed on every revision written: with pglz
 * its compression was about 10% of PostgreSQL's CPU per revision (issue #15's profile). lz4 compresses several
 * times faster for a slightly larger result. Only values written from now on use it (existing ones stay pglz and
 * are read as before). A server built without lz4 refuses the method: the columns then keep pglz.
 */
export class RevisionCompression1795750000000 implements MigrationInterface {
  name = 'RevisionCompression1795750000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      BEGIN
        ALTER TABLE revisions ALTER COLUMN content SET COMPRESSION lz4,
                              ALTER COLUMN rendered SET COMPRESSION lz4;
        ALTER TABLE articles ALTER COLUMN search_document SET COMPRESSION lz4;
      EXCEPTION WHEN feature_not_supported THEN
        RAISE NOTICE 'this server has no lz4: revisions keep pglz';
      END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE revisions ALTER COLUMN content SET COMPRESSION default,
                             ALTER COLUMN rendered SET COMPRESSION default`,
    );
    await queryRunner.query(`ALTER TABLE articles ALTER COLUMN search_document SET COMPRESSION default`);
  }
}
