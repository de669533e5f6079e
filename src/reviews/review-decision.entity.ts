import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const DECISIONS = ['approve', 'request_changes'] as const;
export type Decision = (typeof DECISIONS)[number];

/** A reviewer's decision on exactly one revision; one per assignment and revision. */
@Entity('review_decisions')
@Index('IDX_review_decisions_article', ['articleId', 'createdAt'])
@Index('UQ_review_decisions_assignment_revision', ['assignmentId', 'revisionNumber'], { unique: true })
export class ReviewDecision {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  articleId!: string;

  @Column({ type: 'uuid' })
  assignmentId!: string;

  @Column({ type: 'uuid' })
  reviewerId!: string;

  @Column({ type: 'int' })
  revisionNumber!: number;

  @Column({ type: 'char', length: 64 })
  contentHash!: string;

  @Column({ type: 'varchar', length: 20 })
  decision!: Decision;

  @Column({ type: 'text', nullable: true })
  comments!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
