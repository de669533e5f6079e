import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The one error body every 4xx and 5xx answer carries (see error.filter.ts), as the OpenAPI document shows it. */
export class ErrorResponse {
  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 404 }) statusCode!: number;
  @ApiProperty({ description: 'The HTTP reason phrase', example: 'Not Found' }) error!: string;
  @ApiProperty({ description: 'A sentence for people', example: 'Article not found' }) message!: string;
  @ApiPropertyOptional({
    description: 'A machine-readable code for the error, stable when the wording changes',
    example: 'ARTICLE_NOT_FOUND',
  })
  code?: string;
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'Structured details, e.g. { field, reason } for each invalid field',
    example: [{ field: 'title', reason: 'must be at most 200 characters' }],
  })
  details?: Record<string, unknown>[];
}
