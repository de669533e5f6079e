import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Duration } from 'luxon';
import {
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  ValidateIf,
  registerDecorator,
  type ValidationOptions,
} from 'class-validator';

/** A positive ISO-8601 duration of at least one second (e.g. P12M, P3Y, PT30S). */
export function IsCadence(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isCadence',
      target: object.constructor,
      propertyName,
      options: {
        message: `${propertyName} must be an ISO-8601 duration of at least one second, such as P12M or P3Y`,
        ...options,
      },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string' || value.length > 40) return false;
          const duration = Duration.fromISO(value);
          return duration.isValid && duration.as('seconds') >= 1;
        },
      },
    });
}

export class ArticleReviewPolicyDto {
  @ApiProperty({
    type: String,
    example: 'P3Y',
    nullable: true,
    description: 'null returns the article to its specialty or the default cadence',
  })
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @IsCadence()
  cadence!: string | null;
}

export class SpecialtyPolicyDto {
  @ApiProperty({ example: 'P3M' })
  @IsString()
  @IsCadence()
  cadence!: string;
}

export const RE_REVIEW_FILTERS = ['overdue', 'due', 'all'] as const;

export class ReReviewsQuery {
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'only reviews due before this instant (default: 30 days from now)',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  dueBefore?: string;

  @ApiPropertyOptional({ enum: RE_REVIEW_FILTERS, default: 'all' })
  @IsOptional()
  @IsIn(RE_REVIEW_FILTERS)
  status?: (typeof RE_REVIEW_FILTERS)[number];
}
