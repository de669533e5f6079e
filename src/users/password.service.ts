import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '../core/config/app-config.js';

@Injectable()
export class PasswordService {
  /** argon2id with the configured cost (PASSWORD_HASH_*; production never below OWASP's minimum). */
  private readonly options: argon2.HashOptions;
  /**
   * A hash of a random password nobody knows, made with the same parameters as every real hash: an unknown
   * e-mail, or an account without a password yet, is checked against it so that it costs the same time.
   */
  private readonly dummyHash: Promise<string>;

  constructor(config: AppConfig) {
    this.options = {
      type: argon2.argon2id,
      memoryCost: config.env.PASSWORD_HASH_MEMORY_KIB,
      timeCost: config.env.PASSWORD_HASH_PASSES,
      parallelism: config.env.PASSWORD_HASH_LANES,
    };
    this.dummyHash = argon2.hash(randomBytes(32).toString('base64url'), this.options);
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, this.options);
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
