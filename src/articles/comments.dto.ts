import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { LIMITS, REVISION_NUMBER_MAX } from './articles.dto.js';

export class CreateCommentDto {
  @ApiProperty({ example: 'Please cite a source for the dependence risk.', maxLength: 10_000 })
  @IsString()
  @Length(1, 10_000)
  @Matches(/\S/, { message: 'body must not be blank' })
  body!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The comment this one replies to' })
  @IsOptional()
  @IsUUID()
  parentId?: string;

  @ApiPropertyOptional({ minimum: 0, description: 'Section (from 0) of the revision the comment is about' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(LIMITS.sections - 1)
  sectionIndex?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: REVISION_NUMBER_MAX,
    description: 'Revision the comment is about; the current one if omitted',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(REVISION_NUMBER_MAX)
  revision?: number;
}
