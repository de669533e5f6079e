import {
  type ArgumentMetadata,
  Injectable,
  type PipeTransform,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import { ApiError, ErrorDetail } from './api-error.js';

function flatten(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    // `sections[0].body`, the same paths the completeness check and the diff use.
    const field = /^\d+$/.test(error.property)
      ? `${parent}[${error.property}]`
      : parent
        ? `${parent}.${error.property}`
        : error.property;
    const own: ErrorDetail[] = Object.values(error.constraints ?? {}).map((reason) => ({ field, reason }));
    return own.concat(flatten(error.children ?? [], field));
  });
}

/** Unknown fields are a 400 (never silently stripped); every failure names its field and reason. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      const fields = [...new Set(details.map((d) => d.field))].join(', ');
      return ApiError.badRequest(`Invalid request: check ${fields}`, details);
    },
  });
}

function findNulByte(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path || 'body' : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNulByte(value[i], `${path}[${i}]`);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const found = findNulByte(child, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return null;
}

/** PostgreSQL cannot store a NUL character in text: refuse it up front as a 400 naming the field. */
@Injectable()
export class RejectNulBytesPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body' && metadata.type !== 'query' && metadata.type !== 'param') return value;
    const field = findNulByte(value, '');
    if (field)
      throw ApiError.badRequest(`${field} contains a NUL character`, [
        { field, reason: 'contains a NUL (\\u0000) character' },
      ]);
    return value;
  }
}
