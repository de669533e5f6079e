import { Inject, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppConfig } from '../core/config/app-config.js';
import { ApiError } from '../core/http/api-error.js';
import { REDIS } from '../core/redis/redis.module.js';
import { PasswordService } from '../users/password.service.js';
import { UsersRepository } from '../users/users.repository.js';
import { TokenService } from './token.service.js';

const IP_FAILURES_PER_ACCOUNT_LIMIT = 5;

/** Login and re-authentication (the signing ceremony), with failure counters in Redis shared by all instances. */
@Injectable()
export class AuthService {
  private readonly accountFailures: RateLimiterRedis;
  private readonly addressFailures: RateLimiterRedis;
  private readonly reauthFailures: RateLimiterRedis;

  constructor(
    @Inject(REDIS) redis: Redis,
    config: AppConfig,
    private readonly users: UsersRepository,
    private readonly passwords: PasswordService,
    private readonly tokens: TokenService,
  ) {
    const perMinute = config.env.LOGIN_MAX_ATTEMPTS_PER_MINUTE;
    const prefix = `${config.env.QUEUE_PREFIX}:rl`;
    this.accountFailures = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:login:account`,
      points: perMinute,
      duration: 60,
    });
    this.addressFailures = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:login:address`,
      points: perMinute * IP_FAILURES_PER_ACCOUNT_LIMIT,
      duration: 60,
    });
    this.reauthFailures = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:reauth`,
      points: 5,
      duration: 300,
    });
  }

  async login(
    email: string,
    password: string,
    address: string,
  ): Promise<{ accessToken: string; expiresIn: number; tokenType: 'Bearer' }> {
    const accountKey = email.toLowerCase();
    await this.refuseIfBlocked(
      this.accountFailures,
      accountKey,
      'Too many failed logins for this account; wait a minute and try again',
    );
    await this.refuseIfBlocked(
      this.addressFailures,
      address,
      'Too many failed logins from this address; wait a minute and try again',
    );

    const user = await this.users.findByEmailWithPasswordHash(accountKey);
    const valid = user ? await this.passwords.verify(user.passwordHash, password) : false;
    if (!user || !valid || !user.active) {
      await Promise.all([
        this.count(this.accountFailures, accountKey),
        this.count(this.addressFailures, address),
      ]);
      throw ApiError.unauthorized(
        user && valid && !user.active ? 'Account is deactivated' : 'Email or password is wrong',
      );
    }
    await this.accountFailures.delete(accountKey);
    return { ...this.tokens.issue(user.id), tokenType: 'Bearer' };
  }

  /** Re-enter the password at the moment of signing; wrong passwords are counted and rate-limited. */
  async reauthenticate(userId: string, password: string | undefined): Promise<void> {
    await this.refuseIfBlocked(
      this.reauthFailures,
      userId,
      'Too many wrong passwords while signing; wait five minutes',
    );
    const user = await this.users.findByIdWithPasswordHash(userId);
    if (!password || !user || !user.active || !(await this.passwords.verify(user.passwordHash, password))) {
      await this.count(this.reauthFailures, userId);
      throw ApiError.unauthorized(
        password ? 'Password is wrong; nothing was signed' : 'Re-enter your password to sign',
      );
    }
    await this.reauthFailures.delete(userId);
  }

  private async refuseIfBlocked(limiter: RateLimiterRedis, key: string, message: string): Promise<void> {
    const state = await limiter.get(key);
    if (state && state.consumedPoints >= limiter.points) throw ApiError.tooManyRequests(message);
  }

  private async count(limiter: RateLimiterRedis, key: string): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
    }
  }
}
