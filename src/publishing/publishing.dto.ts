import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import type { ExportMode } from './publishing.queue.js';

/** An instant with an explicit offset, so "9 am" is never read in the server's zone by accident. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export class PublishDto {
  @ApiPropertyOptional({
    format: 'date-time',
    example: '2026-02-01T09:00:00-05:00',
    description:
      'Publish later instead of now (ISO-8601 with Z or an offset). Cancel with DELETE /articles/{id}/scheduled-publish until then.',
  })
  @IsOptional()
  @Matches(INSTANT, { message: 'publishAt must be an ISO-8601 date-time with Z or an offset' })
  publishAt?: string;
}

export class PreviewQuery {
  @ApiPropertyOptional({ minimum: 1, description: 'Revision number; the current revision when omitted' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  revision?: number;
}

export class ExportRequestDto {
  @ApiPropertyOptional({
    enum: ['full', 'incremental'],
    default: 'full',
    description:
      'full renders every live page again and writes each one the directory does not already hold; incremental ' +
      'decides from stored checksums alone',
  })
  @IsOptional()
  @IsIn(['full', 'incremental'])
  mode?: ExportMode;

  @ApiPropertyOptional({ default: false, description: 'With full: rewrite every page even if unchanged' })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

export class PublicationTargetView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'directory', description: "'site', 'directory' or a webhook URL" }) target!: string;
  @ApiProperty({ enum: ['publish', 'unpublish', 'rerender'] }) action!: string;
}

export class PublicationResponse {
  @ApiProperty({ format: 'uuid' }) articleId!: string;
  @ApiProperty({ example: 'is-baclofen-a-benzodiazepine' }) slug!: string;
  @ApiProperty({ example: 'published' }) status!: string;
  @ApiProperty({ example: 3 }) revision!: number;
  @ApiProperty({ format: 'uuid' }) signOffId!: string;
  @ApiProperty({
    example:
      'Medically reviewed by Alan Lucks, MD, Alan Lucks MDPC Private Practice - New York on January 10th, 2026',
  })
  byline!: string;
  @ApiProperty({ example: 'http://localhost:3000/public/articles/is-baclofen-a-benzodiazepine' })
  publicUrl!: string;
  @ApiProperty({ description: 'SHA-256 of the published HTML (also the ETag of the public page)' })
  htmlChecksum!: string;
  @ApiProperty({ format: 'date-time' }) publishedAt!: string;
  @ApiProperty({ type: [PublicationTargetView] }) publications!: PublicationTargetView[];
}

export class ScheduledPublishResponse {
  @ApiProperty({ format: 'uuid' }) articleId!: string;
  @ApiProperty({ example: true }) scheduled!: true;
  @ApiProperty({ format: 'date-time' }) publishAt!: string;
  @ApiProperty({ description: 'Revision that was current and signed when scheduled' }) revision!: number;
  @ApiProperty({ format: 'uuid' }) requestedById!: string;
  @ApiProperty({ example: 'publish-<articleId>-<publishAt epoch ms>' }) jobId!: string;
}

export class UnpublishResponse {
  @ApiProperty({ format: 'uuid' }) articleId!: string;
  @ApiProperty({ nullable: true, type: String }) slug!: string | null;
  @ApiProperty({ example: 'archived' }) status!: string;
  @ApiProperty({ nullable: true, type: Number }) unpublishedRevision!: number | null;
  @ApiProperty({ type: [PublicationTargetView] }) publications!: PublicationTargetView[];
}

export class ExportJobResponse {
  @ApiProperty({ example: 'export-4f7c…' }) jobId!: string;
  @ApiProperty({ example: 'waiting', description: 'waiting, active, completed or failed' }) state!: string;
  @ApiPropertyOptional({
    oneOf: [{ type: 'number' }, { type: 'object', additionalProperties: true }],
    description: '0 before it starts, then { phase, done, total } while running',
  })
  progress?: unknown;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'The export summary once completed',
  })
  summary?: unknown;
  @ApiPropertyOptional() failedReason?: string;
}
