import { Column, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * The live page of one article as last rendered, and what each export target last received. The service serves
 * `html` at /public/articles/:slug; the directory export compares `htmlChecksum` with `exportedChecksum` so an
 * export skips unchanged pages without rendering them. A row stays (with `live` false) after an unpublish
 * until the page has been removed from the directory.
 */
@Entity('published_pages')
// Partial indexes of the export's work (migration ExportWorkIndexes; TypeORM cannot express their conditions).
@Index('IDX_published_pages_stale', { synchronize: false })
@Index('IDX_published_pages_fingerprint', { synchronize: false })
@Index('IDX_published_pages_unexported', { synchronize: false })
@Index('IDX_published_pages_folder_to_remove', { synchronize: false })
export class PublishedPage {
  @PrimaryColumn('uuid')
  articleId!: string;

  /** Slug of the published revision: the page's URL. */
  @Index('IDX_published_pages_slug')
  @Column({ type: 'varchar', length: 120 })
  slug!: string;

  @Column({ type: 'boolean', default: true })
  live!: boolean;

  @Column({ type: 'varchar', length: 200 })
  title!: string;

  @Column({ type: 'text' })
  description!: string;

  @Column({ type: 'int' })
  revisionNumber!: number;

  /** The sign-off shown in the byline (the newest one covering the live revision). */
  @Column({ type: 'uuid' })
  signOffId!: string;

  @Index('IDX_published_pages_reviewer')
  @Column({ type: 'uuid' })
  reviewerId!: string;

  @Column({ type: 'timestamptz' })
  lastReviewedAt!: Date;

  /** The "next review due" date the page shows; a change on the article means the page must be re-rendered. */
  @Column({ type: 'timestamptz', nullable: true })
  nextReviewDueAt!: Date | null;

  /** The page's dateModified (sitemap lastmod): the later of the revision's creation and its sign-off. */
  @Column({ type: 'timestamptz' })
  modifiedAt!: Date;

  /** Slugs this page links to as related articles (GIN-indexed by the migration). */
  @Index('IDX_published_pages_related', { synchronize: false })
  @Column({ type: 'text', array: true, default: '{}' })
  relatedSlugs!: string[];

  @Column({ type: 'text', nullable: true })
  html!: string | null;

  @Column({ type: 'char', length: 64, nullable: true })
  htmlChecksum!: string | null;

  /** Which template set and site settings `html` was rendered with. */
  @Column({ type: 'char', length: 64, nullable: true })
  renderFingerprint!: string | null;

  /**
   * Something the page shows changed (a related article's title or liveness, or its article's next-review date:
   * a trigger marks that, migration ExportWorkIndexes), or the export found it rendered with another template
   * fingerprint: re-render at the next export.
   */
  @Column({ type: 'boolean', default: false })
  stale!: boolean;

  /** Checksum of PUBLISH_DIR/<exportedSlug>/index.html as last written; null when nothing is on disk. */
  @Column({ type: 'char', length: 64, nullable: true })
  exportedChecksum!: string | null;

  @Column({ type: 'varchar', length: 120, nullable: true })
  exportedSlug!: string | null;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
