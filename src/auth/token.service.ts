import { Injectable } from '@nestjs/common';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { LRUCache } from 'lru-cache';
import { AppConfig } from '../core/config/app-config.js';
import { type Caller, UsersRepository } from '../users/users.repository.js';

export const JWT_ISSUER = 'medical-review-service';
export const JWT_AUDIENCE = 'medical-review-api';
/** The only algorithm accepted: `alg: none` and any other algorithm are rejected. */
export const JWT_ALGORITHM = 'HS256';

/** User ids are UUIDs: a token whose subject is anything else names nobody (and must not reach a uuid query). */
const USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface TokenClaims {
  sub: string;
  /** The user's token version when it was issued; raising the version revokes the token. */
  ver: number;
  exp?: number;
}

/** Tokens whose signature and claims were checked, kept by an API process (about 400 bytes each). */
const MAX_VERIFIED_TOKENS = 10_000;

export interface VerifiedToken {
  userId: string;
  tokenVersion: number;
}

@Injectable()
export class TokenService {
  /**
   * The secret as a key object, made once: given a string, jsonwebtoken first tries (and fails) to parse it as
   * a public key on every call, which cost about 0.6 ms of CPU per request. @nestjs/jwt's types say string or
   * Buffer; it hands the value to jsonwebtoken unchanged, which takes a KeyObject.
   */
  private readonly key: string;

  /**
   * Tokens already verified, with their expiry: a bearer sends the same token on every request, and checking
   * its HMAC and parsing its JSON again cost about a sixth of GET /articles/:id. Only the signature's verdict
   * is kept; revocation is still decided on every request by the caller's token version (authenticate).
   */
  private readonly verified = new LRUCache<string, VerifiedToken & { expiresAtMs: number }>({
    max: MAX_VERIFIED_TOKENS,
  });

  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    private readonly users: UsersRepository,
  ) {
    const key: KeyObject = createSecretKey(Buffer.from(config.env.JWT_SECRET, 'utf8'));
    this.key = key as unknown as string;
  }

  issue(userId: string, tokenVersion: number): { accessToken: string; expiresIn: number } {
    const expiresIn = Math.round(this.config.env.JWT_TTL.as('seconds'));
    const accessToken = this.jwt.sign(
      { sub: userId, ver: tokenVersion },
      {
        secret: this.key,
        algorithm: JWT_ALGORITHM,
        audience: JWT_AUDIENCE,
        issuer: JWT_ISSUER,
        expiresIn,
      },
    );
    return { accessToken, expiresIn };
  }

  /**
   * The user id and token version in a valid token, or undefined for any invalid, expired or forged token. The
   * caller still compares the version with the user's (UsersRepository.findActiveCaller).
   */
  verify(token: string): VerifiedToken | undefined {
    const known = this.verified.get(token);
    // jsonwebtoken's own rule: expired once the current second reaches `exp`.
    if (known && Date.now() < known.expiresAtMs) {
      return { userId: known.userId, tokenVersion: known.tokenVersion };
    }
    if (known) this.verified.delete(token);
    try {
      const claims = this.jwt.verify<TokenClaims>(token, {
        secret: this.key,
        algorithms: [JWT_ALGORITHM],
        audience: JWT_AUDIENCE,
        issuer: JWT_ISSUER,
      });
      if (typeof claims.sub !== 'string' || !USER_ID.test(claims.sub)) return undefined;
      if (!Number.isSafeInteger(claims.ver) || claims.ver < 0) return undefined;
      const verified = { userId: claims.sub, tokenVersion: claims.ver };
      if (typeof claims.exp === 'number')
        this.verified.set(token, { ...verified, expiresAtMs: claims.exp * 1000 });
      return verified;
    } catch {
      return undefined;
    }
  }

  /**
   * The active user a bearer token speaks for, or undefined when the token is invalid, expired, forged, of a
   * deactivated account, or revoked (issued before the user's password change, reset, deactivation or role
   * change raised their token version).
   */
  async authenticate(token: string): Promise<Caller | undefined> {
    const verified = this.verify(token);
    if (!verified) return undefined;
    const user = await this.users.findActiveCaller(verified.userId);
    if (!user || user.tokenVersion !== verified.tokenVersion) return undefined;
    return user;
  }
}
