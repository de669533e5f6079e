import { CsrfTokens, sameOrigin } from './csrf.js';

describe('desk CSRF tokens and Origin check', () => {
  const tokens = new CsrfTokens('a-secret-of-at-least-thirty-two-characters');

  it('accepts the token of a binding the browser holds, and nothing else', () => {
    const token = tokens.tokenFor('session-a');
    expect(tokens.matches(token, ['session-a'])).toBe(true);
    expect(tokens.matches(token, [undefined, 'form-b', 'session-a'])).toBe(true);
    expect(tokens.matches(token, ['session-b'])).toBe(false);
    expect(tokens.matches(undefined, ['session-a'])).toBe(false);
    expect(tokens.matches(['x'], ['session-a'])).toBe(false);
    expect(
      tokens.matches(new CsrfTokens('another-secret-of-thirty-two-chars!').tokenFor('session-a'), [
        'session-a',
      ]),
    ).toBe(false);
  });

  it('lets only the own origin post; Referer when Origin is missing', () => {
    const base = 'https://desk.example.org';
    expect(sameOrigin(base, 'https://desk.example.org', undefined)).toBe(true);
    expect(sameOrigin(base, 'https://evil.example', undefined)).toBe(false);
    expect(sameOrigin(base, 'null', undefined)).toBe(false);
    expect(sameOrigin(base, 'http://desk.example.org', undefined)).toBe(false);
    expect(sameOrigin(base, undefined, 'https://desk.example.org/desk/login')).toBe(true);
    expect(sameOrigin(base, undefined, 'https://evil.example/desk/login')).toBe(false);
    expect(sameOrigin(base, undefined, 'not a url')).toBe(false);
  });
});
