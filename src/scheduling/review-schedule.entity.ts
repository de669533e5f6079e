import { Column, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ReminderKind } from './reminder-plan.js';

/**
 * The re-review clock of one signed article: when its review falls due and which reminder comes next.
 * PostgreSQL is the source of truth; the sweep reads the next window of reminders from the
 * `next_reminder_at` index and queues only those, so Redis holds a window, never one job per article.
 */
@Entity('review_schedules')
@Index('IDX_review_schedules_next_reminder', ['nextReminderAt'])
@Index('IDX_review_schedules_due', ['dueAt'])
export class ReviewSchedule {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'PK_review_schedules' })
  articleId!: string;

  /** The sign-off whose review this schedule keeps fresh; reminders of older sign-offs are void. */
  @Column({ type: 'uuid' })
  signOffId!: string;

  @Column({ type: 'uuid' })
  reviewerId!: string;

  @Column({ type: 'timestamptz' })
  signedAt!: Date;

  @Column({ type: 'timestamptz' })
  dueAt!: Date;

  /** e.g. "before-P30D", "before-P7D", "due", "overdue-1", "overdue-2" … */
  @Column({ type: 'varchar', length: 40 })
  nextReminderKind!: ReminderKind;

  @Column({ type: 'timestamptz' })
  nextReminderAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
