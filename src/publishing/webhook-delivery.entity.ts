import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** One POST of a page to a configured webhook URL, retried through BullMQ. */
@Entity('webhook_deliveries')
@Index('IDX_webhook_deliveries_article', ['articleId', 'createdAt'])
export class WebhookDelivery {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  articleId!: string;

  @Column({ type: 'uuid', nullable: true })
  publicationId!: string | null;

  @Column({ type: 'varchar', length: 500 })
  url!: string;

  @Column({ type: 'varchar', length: 20 })
  event!: 'publish' | 'unpublish';

  /** `superseded`: the page changed again before this delivery got through; a newer delivery carries it. */
  @Column({ type: 'varchar', length: 20, default: 'pending' })
  status!: 'pending' | 'delivered' | 'failed' | 'superseded';

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ type: 'int', nullable: true })
  responseStatus!: number | null;

  @Column({ type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
