import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { EMAIL_STATUSES, type EmailOutbox, type EmailStatus } from './email-outbox.entity.js';

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

export function emailView(row: EmailOutbox): EmailView {
  return {
    id: row.id,
    dedupeKey: row.dedupeKey,
    template: row.template,
    toAddress: row.toAddress,
    toUserId: row.toUserId,
    articleId: row.articleId,
    status: row.status,
    attempts: row.attempts,
    lastError: row.lastError,
    messageId: row.messageId,
    sentAt: row.sentAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
