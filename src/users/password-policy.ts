import { dictionary } from '@zxcvbn-ts/language-common';

/** ASVS 5.0 V6.2: at least 12 characters, at least 128 allowed, no composition rules. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 200;

/**
 * The common-password list of zxcvbn-ts (about 49,000 passwords most often found in breaches), lower-cased. A
 * list shipped in a package works offline and never sends any part of a password anywhere.
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  dictionary['passwords-common'].map((password) => password.toLowerCase()),
);

/** Why a chosen password is refused (a sentence for the person), or undefined when it is acceptable. */
export function passwordProblem(password: string, email: string): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower) || COMMON_PASSWORDS.has(lower.trim())) {
    return 'is one of the most common passwords found in breaches; choose another';
  }
  const localPart = email.toLowerCase().split('@')[0] ?? '';
  if (localPart.length >= 3 && lower.includes(localPart)) {
    return 'must not contain your e-mail address';
  }
  return undefined;
}
