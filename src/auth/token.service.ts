import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../core/config/app-config.js';

export const JWT_ISSUER = 'medical-review-service';
export const JWT_AUDIENCE = 'medical-review-api';
/** The only algorithm accepted: `alg: none` and any other algorithm are rejected. */
export const JWT_ALGORITHM = 'HS256';

interface TokenClaims {
  sub: string;
}

@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  issue(userId: string): { accessToken: string; expiresIn: number } {
    const expiresIn = Math.round(this.config.env.JWT_TTL.as('seconds'));
    const accessToken = this.jwt.sign(
      { sub: userId },
      {
        secret: this.config.env.JWT_SECRET,
        algorithm: JWT_ALGORITHM,
        audience: JWT_AUDIENCE,
        issuer: JWT_ISSUER,
        expiresIn,
      },
    );
    return { accessToken, expiresIn };
  }

  /** The user id in a valid token, or undefined for any invalid, expired or forged token. */
  verify(token: string): string | undefined {
    try {
      const claims = this.jwt.verify<TokenClaims>(token, {
        secret: this.config.env.JWT_SECRET,
        algorithms: [JWT_ALGORITHM],
        audience: JWT_AUDIENCE,
        issuer: JWT_ISSUER,
      });
      return typeof claims.sub === 'string' ? claims.sub : undefined;
    } catch {
      return undefined;
    }
  }
}
