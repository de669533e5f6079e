import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import { ApiError, type ErrorDetail } from '../core/http/api-error.js';
import { refusalBody } from './desk-forms.js';

/**
 * A posted form checked by the very DTO class the JSON API validates with, so a length or format rule has one
 * home. Returns the DTO, or throws the same 400 (field and reason) the API would answer.
 */
export async function formDto<T extends object>(
  type: new () => T,
  plain: Record<string, unknown>,
): Promise<T> {
  const defined = Object.fromEntries(Object.entries(plain).filter(([, value]) => value !== undefined));
  const dto = plainToInstance(type, defined);
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) {
    const details = flatten(errors);
    throw ApiError.badRequest(`Invalid request: check ${details.map((d) => d.field).join(', ')}`, details);
  }
  return dto;
}

function flatten(errors: ValidationError[]): ErrorDetail[] {
  return errors.flatMap((error) =>
    Object.values(error.constraints ?? {}).map((reason) => ({ field: error.property, reason })),
  );
}

/** A whole number from a form field, or undefined when the field is empty; anything else stays as typed. */
export function formInt(value: string): number | string | undefined {
  if (value === '') return undefined;
  return /^\d{1,9}$/.test(value) ? Number(value) : value;
}

/** The sentence a refusal shows beside its field. */
export function refusalText(error: unknown): string {
  const response = refusalBody(error);
  const detail = (response.details as ErrorDetail[] | undefined)?.find((d) => d.reason);
  if (detail && response.message.startsWith('Invalid request')) return `${detail.field}: ${detail.reason}`;
  return response.message;
}
