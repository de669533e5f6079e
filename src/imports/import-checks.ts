import { HttpException } from '@nestjs/common';
import { CreateArticleDto } from '../articles/articles.dto.js';
import { slugFromTitle } from '../articles/slug.js';
import { isDomainError } from '../core/errors/domain-error.js';
import { toErrorBody } from '../core/http/error.filter.js';
import { createValidationPipe, RejectNulBytesPipe } from '../core/http/validation.js';
import type { ImportProblem, ParsedArticle } from './parsed-article.js';

export const DEFAULT_SPECIALTY = 'general';

/** The API's own checks of an article body: the same pipes, the same 400 details. */
const validation = createValidationPipe();
const rejectNul = new RejectNulBytesPipe();

/** Whether an error is a refusal (the API would answer 4xx): the source is refused, the batch goes on. */
export function isRefusal(error: unknown): boolean {
  return (error instanceof HttpException && error.getStatus() < 500) || isDomainError(error);
}

/** A refusal as one line: the message and each field's reason. */
export function reasonOf(error: unknown): string {
  if (error instanceof HttpException || isDomainError(error)) {
    const body = toErrorBody(error);
    const details = ((body.details ?? []) as { field?: string; reason?: string }[])
      .map((detail) => [detail.field, detail.reason].filter(Boolean).join(' '))
      .filter(Boolean);
    return [body.message, ...details].join('; ');
  }
  return (error as Error).message;
}

const asSpecialty = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);

/** The body the articles service receives, validated by the API's own pipes (a 400 here refuses the source). */
export async function validatedBody(
  parsed: ParsedArticle,
  options: { defaultSpecialty?: string },
  problems: ImportProblem[],
): Promise<CreateArticleDto> {
  const raw: Record<string, unknown> =
    parsed.kind === 'json'
      ? { ...parsed.content }
      : { ...parsed.content, slug: parsed.content.slug || undefined };
  if (parsed.kind !== 'json') {
    const specialty = asSpecialty(parsed.content.specialty ?? '');
    raw.specialty = specialty || options.defaultSpecialty || DEFAULT_SPECIALTY;
    if (!specialty) {
      problems.push({
        code: 'missing_field',
        field: 'specialty',
        message: `The source names no specialty; the article was filed under "${String(raw.specialty)}".`,
      });
    }
  }
  if (!raw.slug && typeof raw.title === 'string' && raw.title.trim()) raw.slug = slugFromTitle(raw.title);
  raw.changeNote ??= `Imported from ${parsed.sourceName}`.slice(0, 500);
  rejectNul.transform(raw, { type: 'body', metatype: CreateArticleDto, data: undefined });
  return (await validation.transform(raw, {
    type: 'body',
    metatype: CreateArticleDto,
    data: undefined,
  })) as CreateArticleDto;
}
