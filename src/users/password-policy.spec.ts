import { passwordProblem } from './password-policy.js';

describe('password rules (ASVS 5.0 V6)', () => {
  const email = 'alan.lucks@clinic.example';

  it('accepts a long passphrase without composition rules, up to 200 characters', () => {
    expect(passwordProblem('correct horse battery staple', email)).toBeUndefined();
    expect(passwordProblem('a'.repeat(100) + 'b'.repeat(100), email)).toBeUndefined();
  });

  it('refuses fewer than 12 characters and more than 200', () => {
    expect(passwordProblem('short-pass1', email)).toBe('must be at least 12 characters');
    expect(passwordProblem('x'.repeat(201), email)).toBe('must be at most 200 characters');
  });

  it('refuses passwords from the shipped common-password list, whatever their case', () => {
    expect(passwordProblem('1q2w3e4r5t6y', email)).toMatch(/most common passwords/);
    expect(passwordProblem('QWERTY123456', email)).toMatch(/most common passwords/);
  });

  it("refuses a password that contains the e-mail's local part", () => {
    expect(passwordProblem('my-Alan.Lucks-password', email)).toBe('must not contain your e-mail address');
  });
});
