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

/**
 * Keys that name Object.prototype members (and `prototype`): class-transformer drops them silently instead of
 * letting the whitelist refuse them, so they are refused here like any other unknown field.
 */
const PROTOTYPE_KEYS = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/** Deeper than any DTO needs (an article is 3 levels): deeper JSON would overflow the transformer's stack. */
export const MAX_INPUT_DEPTH = 32;

type InputProblem = { field: string; kind: 'nul' | 'depth' | 'key' };

/**
 * The first string with a NUL character, the first place nested deeper than MAX_INPUT_DEPTH, or the first
 * prototype key. Iterative: a body of 100,000 nested arrays must be refused, not overflow the check's stack.
 */
function findProblem(value: unknown, root: string): InputProblem | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (stack.length) {
    const { value: node, path, depth } = stack.pop()!;
    if (typeof node === 'string') {
      if (node.includes('\u0000')) return { field: path || root, kind: 'nul' };
      continue;
    }
    if (!node || typeof node !== 'object') continue;
    if (depth >= MAX_INPUT_DEPTH) return { field: path || root, kind: 'depth' };
    if (!Array.isArray(node)) {
      const key = Object.keys(node).find((name) => PROTOTYPE_KEYS.has(name));
      if (key !== undefined) return { field: path ? `${path}.${key}` : key, kind: 'key' };
    }
    const entries: [string, unknown][] = Array.isArray(node)
      ? node.map((child, i) => [`${path}[${i}]`, child])
      : Object.entries(node).map(([key, child]) => [path ? `${path}.${key}` : key, child]);
    for (let i = entries.length - 1; i >= 0; i--) {
      stack.push({ value: entries[i][1], path: entries[i][0], depth: depth + 1 });
    }
  }
  return null;
}

/**
 * PostgreSQL cannot store a NUL character in text: refuse it up front as a 400 naming the field. Input nested
 * deeper than any request needs, and keys the validation pipe would drop silently, are refused here too.
 */
@Injectable()
export class RejectNulBytesPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body' && metadata.type !== 'query' && metadata.type !== 'param') return value;
    const problem = findProblem(value, metadata.data ?? metadata.type);
    if (!problem) return value;
    const { field, kind } = problem;
    if (kind === 'depth') {
      throw ApiError.badRequest(`${field} is nested too deeply`, [
        { field, reason: `is nested more than ${MAX_INPUT_DEPTH} levels deep` },
      ]);
    }
    if (kind === 'key') {
      throw ApiError.badRequest(`Invalid request: check ${field}`, [
        { field, reason: `property ${field} should not exist` },
      ]);
    }
    throw ApiError.badRequest(`${field} contains a NUL character`, [
      { field, reason: 'contains a NUL (\\u0000) character' },
    ]);
  }
}
