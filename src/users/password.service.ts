import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import { randomBytes } from 'node:crypto';

const ARGON2_OPTIONS = { type: argon2.argon2id } as const;

@Injectable()
export class PasswordService {
  /**
   * A hash of a random password nobody knows, made with the same parameters as every real hash: an unknown
   * e-mail, or an account without a password yet, is checked against it so that it costs the same time.
   */
  private readonly dummyHash = argon2.hash(randomBytes(32).toString('base64url'), ARGON2_OPTIONS);

  hash(password: string): Promise<string> {
    return argon2.hash(password, ARGON2_OPTIONS);
  }

  /** Checks the password against the hash, or against the dummy hash when there is none (always false then). */
  async verify(hash: string | null | undefined, password: string): Promise<boolean> {
    const target = hash ?? (await this.dummyHash);
    let valid: boolean;
    try {
      valid = await argon2.verify(target, password);
    } catch {
      valid = false;
    }
    return valid && !!hash;
  }
}
