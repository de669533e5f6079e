import { notice, safeNext } from './desk-navigation.js';

describe('where the desk goes after signing in', () => {
  it('keeps a desk path with its query', () => {
    expect(safeNext('/desk')).toBe('/desk');
    expect(safeNext('/desk/reviews/123?tab=diff')).toBe('/desk/reviews/123?tab=diff');
  });

  it('never leaves the desk or the origin', () => {
    for (const next of [
      'https://evil.example/desk',
      '//evil.example/desk',
      '/\\evil.example',
      '/desk\\..\\admin',
      '/deskevil',
      '/desk/../admin/queues',
      '/public/articles/x',
      'javascript:alert(1)',
      '/desk/\u0000',
      undefined,
      ['/desk/a'],
    ]) {
      expect(safeNext(next)).toMatch(/^\/desk(\/|$)/);
      expect(safeNext(next)).not.toContain('evil');
      expect(safeNext(next)).not.toContain('admin');
    }
    expect(safeNext('/desk/../admin/queues')).toBe('/desk');
  });

  it('shows only its own notices', () => {
    expect(notice('reset')).toMatch(/new password is saved/);
    expect(notice('<script>')).toBeNull();
    expect(notice('toString')).toBeNull();
  });
});
