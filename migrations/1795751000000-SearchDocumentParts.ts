import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `tsvector_concat_agg(vector ORDER BY n)`: the `||` of tsvectors in order (each one's positions shifted past
 * the previous ones'), what an article's search document is made of: one tsvector per piece of its text
 * (`searchParts`), so that an edit parses only the pieces it changed. NULLs are skipped (the function is strict).
 */
export class SearchDocumentParts1795751000000 implements MigrationInterface {
  name = 'SearchDocumentParts1795751000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE AGGREGATE tsvector_concat_agg(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '')`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP AGGREGATE tsvector_concat_agg(tsvector)`);
  }
}
