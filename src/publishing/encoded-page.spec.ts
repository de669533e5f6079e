import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { chooseCoding, encodePage, etagMatches } from './encoded-page.js';

describe('encoded public pages', () => {
  it('keeps gzip and brotli bytes that decode to the page', () => {
    const body = `<!DOCTYPE html><p>${'Baclofen is a muscle relaxant. '.repeat(500)}</p>`;
    const page = encodePage(body, '"abc"', 'text/html; charset=utf-8');
    expect(page.identity.toString('utf8')).toBe(body);
    expect(gunzipSync(page.gzip).toString('utf8')).toBe(body);
    expect(brotliDecompressSync(page.br).toString('utf8')).toBe(body);
    expect(page.br.length).toBeLessThan(page.gzip.length);
    expect(page.gzip.length).toBeLessThan(body.length / 10);
  });

  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip, deflate', 'gzip'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0, gzip', 'gzip'],
    ['br;q=0.5, gzip;q=1', 'br'],
    ['*', 'br'],
    ['*;q=0, gzip', 'gzip'],
    ['identity', 'identity'],
    ['gzip;q=0, br;q=0', 'identity'],
    ['x-gzip', 'gzip'],
    ['BR', 'br'],
    ['gzip;q=nonsense', 'gzip'],
  ])('chooses the coding for Accept-Encoding %j: %s', (header, coding) => {
    expect(chooseCoding(header)).toBe(coding);
  });

  it('answers a header it has seen as it did the first time, past the bound of what it remembers too', () => {
    for (let round = 0; round < 2; round++)
      for (let i = 0; i < 600; i++) {
        // Odd headers refuse brotli and gzip; even ones refuse brotli only.
        const header = i % 2 ? `br;q=0, gzip;q=0, x-${i}` : `br;q=0, gzip, x-${i}`;
        expect(chooseCoding(header)).toBe(i % 2 ? 'identity' : 'gzip');
      }
    expect(chooseCoding('gzip, deflate, br')).toBe('br');
    expect(chooseCoding(['gzip', 'br;q=0'])).toBe('gzip');
  });

  it('matches If-None-Match lists, weak tags and *', () => {
    expect(etagMatches('"a", W/"b"', '"b"')).toBe(true);
    expect(etagMatches('*', '"b"')).toBe(true);
    expect(etagMatches('"a"', '"b"')).toBe(false);
    expect(etagMatches(undefined, '"b"')).toBe(false);
  });
});
