import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  ValidateIf,
  registerDecorator,
  type ValidationOptions,
} from 'class-validator';
import { CADENCE_RULE, parseCadence } from './cadence-bounds.js';

/** A re-review cadence within the bounds of cadence-bounds.ts (P1D to P5Y). */
export function IsCadence(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isCadence',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be ${CADENCE_RULE}`, ...options },
      validator: {
        validate(value: unknown) {
          return parseCadence(value) !== null;
        },
      },
    });
}

export class ArticleReviewPolicyDto {
  @ApiProperty({
    type: String,
    example: 'P3Y',
    nullable: true,
    description: 'P1D to P5Y; null returns the article to its specialty or the default cadence',
  })
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @IsCadence()
  cadence!: string | null;
}

export class SpecialtyPolicyDto {
  @ApiProperty({ example: 'P3M', description: 'P1D to P5Y' })
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
