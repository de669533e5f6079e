import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import type { Duration } from 'luxon';
import { EMAIL_STATUSES, type EmailOutbox, type EmailStatus } from './email-outbox.entity.js';
import { automaticResendOf } from './resend-policy.js';

export class ListEmailsQuery {
  @ApiPropertyOptional({
    enum: EMAIL_STATUSES,
    description:
      'Only emails in this status; without it, the ones that may need a person: failed, unknown, pending',
  })
  @IsOptional()
  @IsIn(EMAIL_STATUSES)
  status?: EmailStatus;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

/** An outbox row as admins see it (the template context is left out). */
export class EmailView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'reminder:<articleId>:<signOffId>:P30D:<userId>' })
  dedupeKey!: string;

  @ApiProperty({ example: 'review-reminder' })
  template!: string;

  @ApiProperty()
  toAddress!: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  toUserId!: string | null;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  articleId!: string | null;

  @ApiProperty({ enum: EMAIL_STATUSES })
  status!: EmailStatus;

  @ApiProperty({ description: 'SMTP conversations started for this email' })
  attempts!: number;

  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'When the last SMTP conversation for it started',
  })
  lastAttemptAt!: Date | null;

  @ApiProperty({
    enum: ['resend-after', 'ask-human'],
    description:
      'What happens when its delivery is unknown, by its template: sent again automatically with the same Message-ID after a grace period (reminders), or left for a person',
  })
  onUnknown!: 'resend-after' | 'ask-human';

  @ApiProperty({ description: 'Times it was sent again automatically after its delivery was unknown' })
  autoResends!: number;

  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description:
      'For an email in doubt (unknown, or sending from a worker that stopped) that will be sent again automatically: from when (the outbox relay runs every 30 s); otherwise null',
  })
  autoResendAt!: Date | null;

  @ApiProperty({ nullable: true, type: String })
  lastError!: string | null;

  @ApiProperty({ nullable: true, type: String, example: '<6f1c…@reviews.example.org>' })
  messageId!: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  sentAt!: Date | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: Date;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: Date;
}

/** The row as admins see it; `graceOverride` is EMAIL_RESEND_GRACE. */
export function emailView(row: EmailOutbox, graceOverride?: Duration): EmailView {
  const resend = automaticResendOf(row.template, graceOverride);
  const willResend =
    resend !== null &&
    (row.status === 'unknown' || row.status === 'sending') &&
    row.lastAttemptAt !== null &&
    row.autoResends < resend.maxResends;
  return {
    id: row.id,
    dedupeKey: row.dedupeKey,
    template: row.template,
    toAddress: row.toAddress,
    toUserId: row.toUserId,
    articleId: row.articleId,
    status: row.status,
    attempts: row.attempts,
    lastAttemptAt: row.lastAttemptAt,
    onUnknown: resend ? 'resend-after' : 'ask-human',
    autoResends: row.autoResends,
    autoResendAt: willResend ? new Date(row.lastAttemptAt!.getTime() + resend.graceMs) : null,
    lastError: row.lastError,
    messageId: row.messageId,
    sentAt: row.sentAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
