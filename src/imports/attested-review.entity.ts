import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** What an attested review says it is, wherever it is shown (API, audit trail, verify). */
export const ATTESTATION = 'attested at import, not e-signed in this service';

/**
 * A medical review that happened before the article moved into this service, as the source page attested it:
 * who reviewed it, on which day (in the publication's time zone), where the page came from, and the content
 * hash of the revision the import created. Distinct from a sign-off: nobody signed it here. Immutable: the
 * database refuses UPDATE and DELETE.
 */
@Entity('attested_reviews')
@Index('IDX_attested_reviews_article', ['articleId', 'reviewedAt'])
export class AttestedReview {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  articleId!: string;

  @Column({ type: 'int' })
  revisionNumber!: number;

  @Column({ type: 'char', length: 64 })
  contentHash!: string;

  /** The reviewer profile the name and credentials matched; null for an external reviewer with no account. */
  @Column({ type: 'uuid', nullable: true })
  reviewerUserId!: string | null;

  @Column({ type: 'varchar', length: 120 })
  reviewerDisplayName!: string;

  @Column({ type: 'varchar', length: 60 })
  reviewerCredentials!: string;

  @Column({ type: 'varchar', length: 200 })
  reviewerAffiliation!: string;

  /** The review date as the source printed it, a calendar date in `timeZone`. */
  @Column({ type: 'date' })
  reviewedOn!: string;

  /** The start of `reviewedOn` in `timeZone`: the instant the byline and the schedule count from. */
  @Column({ type: 'timestamptz' })
  reviewedAt!: Date;

  @Column({ type: 'varchar', length: 64 })
  timeZone!: string;

  @Column({ type: 'varchar', length: 2000, nullable: true })
  sourceUrl!: string | null;

  /** The file (and item) the review came from. */
  @Column({ type: 'varchar', length: 500 })
  sourceName!: string;

  /** The byline exactly as found in the source, when there was one. */
  @Column({ type: 'text', nullable: true })
  sourceByline!: string | null;

  /** The import was run with --publish: this review may put the revision it covers live. */
  @Column({ type: 'boolean' })
  publishAllowed!: boolean;

  @Column({ type: 'varchar', length: 60, default: ATTESTATION })
  meaning!: string;

  @Column({ type: 'uuid' })
  importedById!: string;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;
}
