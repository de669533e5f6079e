import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Which article a source became, so that importing it again makes a new revision of that article instead of a
 * duplicate. The key is the source URL, or `slug:<slug>` for a source without one.
 */
@Entity('imported_sources')
export class ImportedSource {
  @PrimaryColumn({ type: 'varchar', length: 2100 })
  sourceKey!: string;

  @Index('IDX_imported_sources_article')
  @Column({ type: 'uuid' })
  articleId!: string;

  @Column({ type: 'varchar', length: 2000, nullable: true })
  sourceUrl!: string | null;

  /** html, markdown, wxr, json or text. */
  @Column({ type: 'varchar', length: 20 })
  sourceKind!: string;

  /** The writer the source names (kept as found: the article's author here is the person who imported it). */
  @Column({ type: 'varchar', length: 200, nullable: true })
  originalAuthor!: string | null;

  @Column({ type: 'varchar', length: 500 })
  sourceName!: string;

  @Column({ type: 'timestamptz' })
  firstImportedAt!: Date;

  @Column({ type: 'timestamptz' })
  lastImportedAt!: Date;
}
