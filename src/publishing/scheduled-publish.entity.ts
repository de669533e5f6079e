import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A publish requested for later. PostgreSQL is the source of truth; the delayed BullMQ job
 * (`publish-<articleId>`) only wakes the worker, and is re-created from this row if Redis lost it.
 */
@Entity('scheduled_publishes')
export class ScheduledPublish {
  @PrimaryColumn('uuid')
  articleId!: string;

  @Column({ type: 'timestamptz' })
  publishAt!: Date;

  /** The revision that was current (and signed) when the publish was scheduled. */
  @Column({ type: 'int' })
  revisionNumber!: number;

  @Column({ type: 'uuid' })
  requestedById!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
