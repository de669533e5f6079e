import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const ASSIGNMENT_KINDS = ['initial', 're_review'] as const;
export type AssignmentKind = (typeof ASSIGNMENT_KINDS)[number];
export const ASSIGNMENT_STATUSES = ['pending', 'accepted', 'declined', 'completed', 'cancelled'] as const;
export type AssignmentStatus = (typeof ASSIGNMENT_STATUSES)[number];

/** A reviewer asked to review an article; at most one open (pending or accepted) per article. */
@Entity('assignments')
@Index('UQ_assignments_open_per_article', ['articleId'], {
  unique: true,
  where: `"status" IN ('pending', 'accepted')`,
})
@Index('IDX_assignments_reviewer', ['reviewerId', 'status'])
export class Assignment {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  articleId!: string;

  @Column({ type: 'uuid' })
  reviewerId!: string;

  @Column({ type: 'varchar', length: 20 })
  kind!: AssignmentKind;

  @Column({ type: 'varchar', length: 20, default: 'pending' })
  status!: AssignmentStatus;

  @Column({ type: 'timestamptz' })
  dueAt!: Date;

  @Column({ type: 'uuid', nullable: true })
  assignedById!: string | null;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  declineReason!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  respondedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
