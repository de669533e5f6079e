import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  Min,
} from 'class-validator';
import { ASSIGNMENT_STATUSES, type AssignmentStatus } from './assignment.entity.js';
import { DECISIONS, type Decision } from './review-decision.entity.js';

export class CreateAssignmentDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'omit to pick automatically by specialty, licence and load',
  })
  @IsOptional()
  @IsUUID()
  reviewerId?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'due date of the review itself (default: ASSIGNMENT_DUE from now)',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  dueAt?: string;
}

export class DeclineAssignmentDto {
  @ApiProperty({ example: 'Outside my specialty' })
  @IsString()
  @Length(1, 1000)
  @Matches(/\S/, { message: 'reason must not be blank' })
  reason!: string;
}

export class ListAssignmentsQuery {
  @ApiPropertyOptional({
    description: "true: only the caller's own assignments (reviewers always get only their own)",
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  mine?: boolean;

  @ApiPropertyOptional({ enum: ASSIGNMENT_STATUSES })
  @IsOptional()
  @IsIn(ASSIGNMENT_STATUSES)
  status?: AssignmentStatus;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  articleId?: string;
}

export class ReviewDecisionDto {
  @ApiProperty({ enum: DECISIONS })
  @IsIn(DECISIONS, { message: `decision must be one of: ${DECISIONS.join(', ')}` })
  decision!: Decision;

  @ApiProperty({
    description: 'the revision number the reviewer read; 409 if the article moved on since',
    example: 3,
  })
  @IsInt()
  @Min(1)
  revision!: number;

  @ApiPropertyOptional({ description: 'the content hash the reviewer read (optional extra check)' })
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/, { message: 'contentHash must be 64 lower-case hex characters' })
  contentHash?: string;

  @ApiPropertyOptional({ description: 'required for request_changes' })
  @IsOptional()
  @IsString()
  @MaxLength(20000)
  comments?: string;

  @ApiPropertyOptional({ description: 'required for approve: the reviewer re-enters their password to sign' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  password?: string;
}
