import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { SPECIALTY_PATTERN } from '../articles/articles.dto.js';
import { IMPORT_ACTIONS } from './import-report.js';
import { SOURCE_KINDS } from './parsed-article.js';

export const IMPORT_LIMITS = { files: 200, name: 300, content: 2_000_000 } as const;

export class ImportFileDto {
  @ApiProperty({
    example: 'is-baclofen-a-benzodiazepine.html',
    description:
      'File name; its extension says the kind (.html/.htm, .md, .xml WordPress export, .json, .txt), else the content does',
    maxLength: IMPORT_LIMITS.name,
  })
  @IsString()
  @Length(1, IMPORT_LIMITS.name)
  name!: string;

  @ApiProperty({ description: 'The file as text (UTF-8)', maxLength: IMPORT_LIMITS.content })
  @IsString()
  @MaxLength(IMPORT_LIMITS.content)
  content!: string;
}

export class ImportRequestDto {
  @ApiProperty({ type: [ImportFileDto], minItems: 1, maxItems: IMPORT_LIMITS.files })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(IMPORT_LIMITS.files)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => ImportFileDto)
  files!: ImportFileDto[];

  @ApiPropertyOptional({ default: false, description: 'Parse, check and report; write nothing' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;

  @ApiPropertyOptional({
    default: false,
    description:
      'Publish each complete article on the strength of its attested review; otherwise it stays a draft',
  })
  @IsOptional()
  @IsBoolean()
  publish?: boolean;

  @ApiPropertyOptional({
    example: 'neurology',
    description: 'Specialty of sources that name none (default "general")',
  })
  @IsOptional()
  @IsString()
  @Matches(SPECIALTY_PATTERN, {
    message: 'specialty must be lower-case a-z, 0-9 or - (at most 64 characters)',
  })
  specialty?: string;
}

class ImportProblemView {
  @ApiProperty({
    example: 'faq_answer_without_question',
    description:
      'faq_answer_without_question, empty_references, alt_text_in_heading, no_review_date, no_reviewer, unknown_reviewer, slug_taken, unsafe_url, relative_url, missing_field, not_imported, not_published',
  })
  code!: string;
  @ApiProperty() message!: string;
  @ApiPropertyOptional({ example: 'faq[0].question' }) field?: string;
}

class AttestedReviewSummaryView {
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Null in a dry run' }) id!:
    string | null;
  @ApiProperty({ example: 'Alan Lucks, MD, Alan Lucks MDPC Private Practice - New York' }) reviewer!: string;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The reviewer profile matched; null for an external reviewer',
  })
  matchedReviewerId!: string | null;
  @ApiProperty({ example: '2026-01-10' }) reviewedOn!: string;
  @ApiProperty({ type: String, nullable: true, example: '2027-01-10T05:00:00.000Z' }) nextReviewDueAt!:
    string | null;
  @ApiProperty({ example: 'attested at import, not e-signed in this service' }) meaning!: string;
}

export class ImportItemView {
  @ApiProperty({ example: 'pages/baclofen.html' }) source!: string;
  @ApiProperty({ enum: SOURCE_KINDS, nullable: true }) kind!: string | null;
  @ApiProperty({ type: String, nullable: true }) sourceUrl!: string | null;
  @ApiProperty({ enum: IMPORT_ACTIONS }) action!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Why a source was refused or skipped' }) reason!:
    string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) articleId!: string | null;
  @ApiProperty({ type: String, nullable: true }) slug!: string | null;
  @ApiProperty({ type: Number, nullable: true }) revision!: number | null;
  @ApiProperty({ type: String, nullable: true }) status!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The writer the source names' }) originalAuthor!:
    string | null;
  @ApiProperty({ type: AttestedReviewSummaryView, nullable: true })
  attestedReview!: AttestedReviewSummaryView | null;
  @ApiProperty() published!: boolean;
  @ApiProperty({ type: String, nullable: true }) publicUrl!: string | null;
  @ApiProperty({
    type: [ImportProblemView],
    description: 'Each one is also a comment on the article for the writer',
  })
  problems!: ImportProblemView[];
}

class ImportTotalsView {
  @ApiProperty() sources!: number;
  @ApiProperty() created!: number;
  @ApiProperty() updated!: number;
  @ApiProperty() skipped!: number;
  @ApiProperty() refused!: number;
  @ApiProperty() problems!: number;
}

export class ImportReportView {
  @ApiProperty() dryRun!: boolean;
  @ApiProperty() publish!: boolean;
  @ApiProperty() startedAt!: string;
  @ApiProperty() finishedAt!: string;
  @ApiProperty({ type: ImportTotalsView }) totals!: ImportTotalsView;
  @ApiProperty({ type: [ImportItemView] }) items!: ImportItemView[];
}

class AttestedReviewerView {
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) id!: string | null;
  @ApiProperty({ description: 'True when no reviewer profile matched: a reviewer with no account here' })
  external!: boolean;
  @ApiProperty() displayName!: string;
  @ApiProperty() credentials!: string;
  @ApiProperty() affiliation!: string;
}

export class AttestedReviewView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) articleId!: string;
  @ApiProperty({ enum: ['attested'] }) kind!: 'attested';
  @ApiProperty({ enum: [false] }) eSigned!: false;
  @ApiProperty({ example: 'attested at import, not e-signed in this service' }) meaning!: string;
  @ApiProperty({ description: 'The revision the import created' }) revision!: number;
  @ApiProperty() contentHash!: string;
  @ApiProperty({ type: AttestedReviewerView }) reviewer!: AttestedReviewerView;
  @ApiProperty({ example: '2026-01-10', description: 'Calendar date in timeZone' }) reviewedOn!: string;
  @ApiProperty() reviewedAt!: Date;
  @ApiProperty({ example: 'America/New_York' }) timeZone!: string;
  @ApiProperty({ type: String, nullable: true }) sourceUrl!: string | null;
  @ApiProperty() sourceName!: string;
  @ApiProperty({ type: String, nullable: true }) sourceByline!: string | null;
  @ApiProperty() publishAllowed!: boolean;
  @ApiProperty({
    example:
      'Medically reviewed by Alan Lucks, MD, Alan Lucks MDPC Private Practice - New York on January 10th, 2026',
  })
  byline!: string;
  @ApiProperty({ format: 'uuid' }) importedById!: string;
  @ApiProperty() createdAt!: Date;
}

export class AttestedReviewVerificationView {
  @ApiProperty({ format: 'uuid' }) attestedReviewId!: string;
  @ApiProperty({ format: 'uuid' }) articleId!: string;
  @ApiProperty({ enum: ['attested'] }) kind!: 'attested';
  @ApiProperty({ enum: [false] }) eSigned!: false;
  @ApiProperty({ example: 'attested at import, not e-signed in this service' }) meaning!: string;
  @ApiProperty({ description: 'The revision the import created' }) revision!: number;
  @ApiProperty({ description: 'SHA-256 of the imported revision, recorded at import' }) attestedHash!: string;
  @ApiProperty({ type: String, nullable: true }) storedRevisionHash!: string | null;
  @ApiProperty({ type: String, nullable: true }) recomputedHash!: string | null;
  @ApiProperty({ description: 'The imported revision is unchanged since the import' }) valid!: boolean;
  @ApiProperty() reason!: string;
}
