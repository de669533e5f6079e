import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../core/http/api-error.js';
import { etagOf, parseIfMatch } from './etag.js';

describe('ETag and If-Match', () => {
  it('quotes the version', () => {
    expect(etagOf(3)).toBe('"3"');
  });

  it.each([['"3"'], ['3'], ['W/"3"'], [' "3" ']])('reads %j as version 3', (header) => {
    expect(parseIfMatch(header)).toBe(3);
  });

  it('reads an absent header as no version', () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
    expect(parseIfMatch('')).toBeUndefined();
  });

  it.each([['*'], ['"3", "4"'], ['"abc"'], ['"3'], ['-1']])('refuses %j with 400', (header) => {
    let error: unknown;
    try {
      parseIfMatch(header);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).getStatus()).toBe(HttpStatus.BAD_REQUEST);
  });
});
