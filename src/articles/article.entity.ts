import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export interface LatestSignOff {
  id: string;
  revision: number;
  contentHash: string;
  reviewerId: string;
  signedAt: string;
  byline: string;
}

/** Where an article is in its life; only `ArticleWorkflow` (article-workflow.ts) moves it from one to another. */
export const ArticleStatus = {
  Draft: 'draft',
  InReview: 'in_review',
  ChangesRequested: 'changes_requested',
  Approved: 'approved',
  Published: 'published',
  Archived: 'archived',
} as const;
export type ArticleStatus = (typeof ArticleStatus)[keyof typeof ArticleStatus];
export const ARTICLE_STATUSES: readonly ArticleStatus[] = Object.values(ArticleStatus);

@Entity('articles')
@Index('IDX_articles_updated', ['updatedAt', 'id'])
@Index('IDX_articles_next_review_due', ['nextReviewDueAt'])
export class Article {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('UQ_articles_slug', { unique: true })
  @Column({ type: 'varchar', length: 120 })
  slug!: string;

  /** Title of the current revision, kept here for listings. */
  @Column({ type: 'varchar', length: 200 })
  title!: string;

  @Index('IDX_articles_specialty')
  @Column({ type: 'varchar', length: 64 })
  specialty!: string;

  @Index('IDX_articles_status')
  @Column({ type: 'varchar', length: 20, default: 'draft' })
  status!: ArticleStatus;

  @Index('IDX_articles_author')
  @Column({ type: 'uuid' })
  authorId!: string;

  /** Optimistic-concurrency version (the ETag); bumped by every change, checked by a conditional UPDATE. */
  @Column({ type: 'int', default: 1 })
  version!: number;

  @Column({ type: 'int', default: 1 })
  currentRevision!: number;

  @Column({ type: 'int', nullable: true })
  publishedRevision!: number | null;

  /** The newest sign-off of this article (any revision), kept here so reads need no join; `revision` tells
   *  whether it covers the current revision (current) or an older one (stale). */
  @Column({ type: 'jsonb', nullable: true })
  latestSignOff!: LatestSignOff | null;

  /** ISO-8601 duration overriding the specialty and default re-review cadence. */
  @Column({ type: 'varchar', length: 40, nullable: true })
  reviewCadence!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastReviewedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  nextReviewDueAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  firstPublishedAt!: Date | null;

  /** Full-text document (title + body of the current revision); GIN-indexed by a migration. */
  @Index('IDX_articles_search', { synchronize: false })
  @Column({ type: 'tsvector', select: false, nullable: true })
  searchDocument!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
