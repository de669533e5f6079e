import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { DIFF_PAGE_LIMIT_DEFAULT, DIFF_PAGE_LIMIT_MAX } from './revision-diff-cache.js';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { ARTICLE_STATUSES, type ArticleStatus } from './article.entity.js';
import { SLUG_MAX_LENGTH, SLUG_PATTERN } from './slug.js';

/** Size limits of one revision; larger input is a 400 naming the field. */
export const LIMITS = {
  title: 200,
  description: 500,
  keyTakeaways: 20,
  keyTakeaway: 1000,
  sections: 50,
  heading: 200,
  body: 100_000,
  faq: 50,
  question: 500,
  answer: 10_000,
  references: 100,
  referenceTitle: 500,
  publisher: 300,
  url: 2000,
  bottomLine: 10_000,
  relatedSlugs: 20,
  images: 50,
  alt: 300,
  caption: 500,
  changeNote: 500,
} as const;

/** Revision numbers are PostgreSQL integers; a larger one in a request is a 400, never a database error. */
export const REVISION_NUMBER_MAX = 1_000_000;

export const SPECIALTY_PATTERN = /^[a-z0-9-]{1,64}$/;
const HTTP_URL = { protocols: ['http', 'https'], require_protocol: true };
const SLUG_MESSAGE = `$property must be lower-case a-z, 0-9 and single hyphens (at most ${SLUG_MAX_LENGTH} characters)`;
const SPECIALTY_MESSAGE = 'specialty must be lower-case a-z, 0-9 or - (at most 64 characters)';
const NOT_BLANK = /\S/;

/** Optional, but never null: a null would erase the field, so it is a 400 like any other wrong type. */
const OptionalNotNull = () => ValidateIf((_object, value) => value !== undefined);

export class SectionDto {
  @ApiProperty({ example: 'What Is Baclofen and How Does It Work?', maxLength: LIMITS.heading })
  @IsString()
  @MaxLength(LIMITS.heading)
  heading!: string;

  @ApiProperty({ description: 'Markdown; raw HTML is shown as text', maxLength: LIMITS.body })
  @IsString()
  @MaxLength(LIMITS.body)
  body!: string;
}

export class FaqEntryDto {
  @ApiProperty({ example: 'Is baclofen addictive?', maxLength: LIMITS.question })
  @IsString()
  @MaxLength(LIMITS.question)
  question!: string;

  @ApiProperty({ description: 'Markdown', maxLength: LIMITS.answer })
  @IsString()
  @MaxLength(LIMITS.answer)
  answer!: string;
}

export class ReferenceDto {
  @ApiProperty({ example: 'Baclofen', maxLength: LIMITS.referenceTitle })
  @IsString()
  @MaxLength(LIMITS.referenceTitle)
  title!: string;

  @ApiProperty({ example: 'https://medlineplus.gov/druginfo/meds/a682530.html', format: 'uri' })
  @IsString()
  @MaxLength(LIMITS.url)
  @IsUrl(HTTP_URL, { message: '$property must be an http or https URL' })
  url!: string;

  @ApiPropertyOptional({
    example: 'MedlinePlus, U.S. National Library of Medicine',
    description: 'Publisher or journal',
    maxLength: LIMITS.publisher,
    default: '',
  })
  @OptionalNotNull()
  @IsString()
  @MaxLength(LIMITS.publisher)
  publisher?: string;

  @ApiPropertyOptional({ example: 2024, type: Number, nullable: true, minimum: 1500, maximum: 2200 })
  @IsOptional()
  @IsInt()
  @Min(1500)
  @Max(2200)
  year?: number | null;
}

export class ImageDto {
  @ApiProperty({ example: 'https://images.example.com/baclofen/pill-bottle.jpg', format: 'uri' })
  @IsString()
  @MaxLength(LIMITS.url)
  @IsUrl(HTTP_URL, { message: '$property must be an http or https URL' })
  url!: string;

  @ApiProperty({
    example: 'White pill bottle tipped over, tablets spilling onto a blue surface.',
    description: 'Required before submitting for review',
    maxLength: LIMITS.alt,
  })
  @IsString()
  @MaxLength(LIMITS.alt)
  alt!: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: LIMITS.caption })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.caption)
  caption?: string | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 0,
    description: 'Section (from 0) the image belongs after; null for the top of the article',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(LIMITS.sections - 1)
  sectionIndex?: number | null;
}

/** Every content field except title and specialty, which are required on create and optional on update. */
export class ContentFieldsDto {
  @ApiPropertyOptional({
    example: 'is-baclofen-a-benzodiazepine',
    description: 'Derived from the title when omitted; editable until the article is first published',
    maxLength: SLUG_MAX_LENGTH,
  })
  @OptionalNotNull()
  @IsString()
  @MaxLength(SLUG_MAX_LENGTH)
  @Matches(SLUG_PATTERN, { message: SLUG_MESSAGE })
  slug?: string;

  @ApiPropertyOptional({ description: 'Meta description for search results', maxLength: LIMITS.description })
  @OptionalNotNull()
  @IsString()
  @MaxLength(LIMITS.description)
  description?: string;

  @ApiPropertyOptional({ type: [String], maxItems: LIMITS.keyTakeaways })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(LIMITS.keyTakeaways)
  @IsString({ each: true })
  @MaxLength(LIMITS.keyTakeaway, { each: true })
  keyTakeaways?: string[];

  @ApiPropertyOptional({ type: [SectionDto], maxItems: LIMITS.sections })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(LIMITS.sections)
  // Each item an object: ValidateNested alone lets a nested array ([[…]]) through to the service.
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => SectionDto)
  sections?: SectionDto[];

  @ApiPropertyOptional({ type: [FaqEntryDto], maxItems: LIMITS.faq })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(LIMITS.faq)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => FaqEntryDto)
  faq?: FaqEntryDto[];

  @ApiPropertyOptional({ type: [ReferenceDto], maxItems: LIMITS.references })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(LIMITS.references)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => ReferenceDto)
  references?: ReferenceDto[];

  @ApiPropertyOptional({ description: 'Markdown', maxLength: LIMITS.bottomLine })
  @OptionalNotNull()
  @IsString()
  @MaxLength(LIMITS.bottomLine)
  bottomLine?: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: LIMITS.relatedSlugs,
    items: { type: 'string', maxLength: SLUG_MAX_LENGTH },
  })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(LIMITS.relatedSlugs)
  @IsString({ each: true })
  @MaxLength(SLUG_MAX_LENGTH, { each: true, message: SLUG_MESSAGE })
  @Matches(SLUG_PATTERN, { each: true, message: SLUG_MESSAGE })
  relatedSlugs?: string[];

  @ApiPropertyOptional({ type: [ImageDto], maxItems: LIMITS.images })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(LIMITS.images)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => ImageDto)
  images?: ImageDto[];

  @ApiPropertyOptional({
    description: 'Why this revision was made, kept with the revision',
    maxLength: LIMITS.changeNote,
  })
  @OptionalNotNull()
  @IsString()
  @MaxLength(LIMITS.changeNote)
  changeNote?: string;
}

export class CreateArticleDto extends ContentFieldsDto {
  @ApiProperty({ example: 'Is Baclofen a Benzodiazepine?', maxLength: LIMITS.title })
  @IsString()
  @Length(1, LIMITS.title)
  @Matches(NOT_BLANK, { message: 'title must not be blank' })
  title!: string;

  @ApiProperty({ example: 'neurology', pattern: SPECIALTY_PATTERN.source })
  @IsString()
  @Matches(SPECIALTY_PATTERN, { message: SPECIALTY_MESSAGE })
  specialty!: string;
}

/** The fields to change; every field given replaces the current one (lists are replaced whole). */
export class UpdateArticleDto extends ContentFieldsDto {
  @ApiPropertyOptional({ maxLength: LIMITS.title })
  @OptionalNotNull()
  @IsString()
  @Length(1, LIMITS.title)
  @Matches(NOT_BLANK, { message: 'title must not be blank' })
  title?: string;

  @ApiPropertyOptional({ pattern: SPECIALTY_PATTERN.source })
  @OptionalNotNull()
  @IsString()
  @Matches(SPECIALTY_PATTERN, { message: SPECIALTY_MESSAGE })
  specialty?: string;
}

export const LIST_LIMIT_MAX = 100;

export class ListArticlesQuery {
  @ApiPropertyOptional({ enum: ARTICLE_STATUSES })
  @IsOptional()
  @IsIn(ARTICLE_STATUSES)
  status?: ArticleStatus;

  @ApiPropertyOptional({ example: 'neurology' })
  @IsOptional()
  @IsString()
  @Matches(SPECIALTY_PATTERN, { message: SPECIALTY_MESSAGE })
  specialty?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Author (user id)' })
  @IsOptional()
  @IsUUID()
  author?: string;

  @ApiPropertyOptional({
    description: 'Full-text search in title and body (web-search syntax: "exact phrase", -not, or)',
    maxLength: 200,
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  q?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: LIST_LIMIT_MAX, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(LIST_LIMIT_MAX)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class DiffQuery {
  @ApiProperty({
    minimum: 1,
    maximum: REVISION_NUMBER_MAX,
    description: 'Revision number to compare from (typically the signed one)',
  })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(REVISION_NUMBER_MAX)
  from!: number;

  @ApiProperty({
    minimum: 1,
    maximum: REVISION_NUMBER_MAX,
    description: 'Revision number to compare to (typically the current one)',
  })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(REVISION_NUMBER_MAX)
  to!: number;

  @ApiPropertyOptional({
    minimum: 0,
    default: 0,
    description: "Index of the first change to return (from the previous page's nextOffset)",
  })
  @IsOptional()
  // An empty value is not 0: `offset=` is refused, not read as the first page.
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && value.trim() === '' ? Number.NaN : Number(value),
  )
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  offset?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: DIFF_PAGE_LIMIT_MAX,
    default: DIFF_PAGE_LIMIT_DEFAULT,
    description: 'Most changes in one page (a page also stops at about 500,000 characters of text)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(DIFF_PAGE_LIMIT_MAX)
  limit?: number;
}
