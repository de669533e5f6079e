import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A physician's signature on exactly one revision (by content hash), with a snapshot of who they were at that
 * moment. Immutable: the database refuses UPDATE and DELETE.
 */
@Entity('sign_offs')
@Index('IDX_sign_offs_article', ['articleId', 'signedAt'])
export class SignOff {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  articleId!: string;

  @Column({ type: 'int' })
  revisionNumber!: number;

  @Column({ type: 'char', length: 64 })
  contentHash!: string;

  @Column({ type: 'uuid' })
  reviewerId!: string;

  @Index('UQ_sign_offs_decision', { unique: true })
  @Column({ type: 'uuid' })
  decisionId!: string;

  @Column({ type: 'varchar', length: 120 })
  reviewerDisplayName!: string;

  @Column({ type: 'varchar', length: 60 })
  reviewerCredentials!: string;

  @Column({ type: 'varchar', length: 200 })
  reviewerAffiliation!: string;

  @Column({ type: 'varchar', length: 60 })
  licenseNumber!: string;

  @Column({ type: 'varchar', length: 60 })
  licenseRegion!: string;

  @Column({ type: 'date' })
  licenseExpiresOn!: string;

  @Column({ type: 'varchar', length: 40, default: 'medical review' })
  meaning!: string;

  @Column({ type: 'timestamptz' })
  signedAt!: Date;
}
