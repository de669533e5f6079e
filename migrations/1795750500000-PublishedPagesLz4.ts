import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The live page's HTML (tens of KB a page, written on every publish and re-render) is compressed with lz4 instead
 * of the default pglz when PostgreSQL TOASTs it: pglz_compress was the largest single cost of a publish on the
 * PostgreSQL side (#15). Values already stored stay as they are (PostgreSQL reads both); new writes use lz4.
 * Only the publishing tables.
 */
export class PublishedPagesLz41795750500000 implements MigrationInterface {
  name = 'PublishedPagesLz41795750500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE published_pages ALTER COLUMN html SET COMPRESSION lz4`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE published_pages ALTER COLUMN html SET COMPRESSION pglz`);
  }
}
