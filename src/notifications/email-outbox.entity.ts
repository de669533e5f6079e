import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const EMAIL_STATUSES = ['pending', 'sending', 'sent', 'failed', 'unknown'] as const;
export type EmailStatus = (typeof EMAIL_STATUSES)[number];

/**
 * One email to send, written in the same transaction as the change that causes it. The unique dedupe key
 * (e.g. article + sign-off + reminder kind + recipient) means a retried job never sends it twice.
 */
@Entity('email_outbox')
@Index('IDX_email_outbox_status', ['status', 'createdAt'])
export class EmailOutbox {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('UQ_email_outbox_dedupe_key', { unique: true })
  @Column({ type: 'varchar', length: 300 })
  dedupeKey!: string;

  /** Template folder under templates/emails/. */
  @Column({ type: 'varchar', length: 60 })
  template!: string;

  @Column({ type: 'varchar', length: 254 })
  toAddress!: string;

  @Column({ type: 'uuid', nullable: true })
  toUserId!: string | null;

  @Column({ type: 'uuid', nullable: true })
  articleId!: string | null;

  @Column({ type: 'jsonb' })
  context!: Record<string, unknown>;

  @Column({ type: 'varchar', length: 20, default: 'pending' })
  status!: EmailStatus;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  /** When the last SMTP conversation for it started. */
  @Column({ type: 'timestamptz', nullable: true })
  lastAttemptAt!: Date | null;

  /** How many times the outbox relay sent it again on its own after its delivery was unknown (resend-policy.ts). */
  @Column({ type: 'int', default: 0 })
  autoResends!: number;

  @Column({ type: 'text', nullable: true })
  lastError!: string | null;

  /**
   * `<id@host of PUBLIC_BASE_URL>`, fixed when the row is created and sent on every attempt, so a copy sent again
   * is recognisably the same message. Null only on rows written before it was stored at creation.
   */
  @Column({ type: 'varchar', length: 300, nullable: true })
  messageId!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
