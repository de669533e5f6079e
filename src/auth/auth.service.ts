import type { AuditAction } from '../audit/audit-action.js';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../core/config/app-config.js';
import { ApiError } from '../core/http/api-error.js';
import { REDIS } from '../core/redis/redis.module.js';
import { CredentialsService, type PasswordOwner } from '../users/credentials.service.js';
import { PasswordService } from '../users/password.service.js';
import { UsersRepository } from '../users/users.repository.js';
import type { AuthUser } from './auth-user.js';
import { AttemptLimiter, type Refusal } from './attempt-limiter.js';
import { TokenService } from './token.service.js';

/** How much slower the per-account ceiling is than the per-account-and-address limit. */
const ACCOUNT_CEILING_FACTOR = 10;
/** One address may try this many times the per-account limit, across accounts. */
const ADDRESS_FACTOR = 5;

export interface AccessToken {
  accessToken: string;
  expiresIn: number;
  tokenType: 'Bearer';
}

/** Who signed in, and the token version their token or session must carry. */
export type SignedIn = PasswordOwner;

/**
 * Password checks — login, the signing ceremony, a password change — each behind an attempt limit that is
 * consumed before argon2 runs, with security events in the audit trail.
 */
@Injectable()
export class AuthService {
  private readonly loginAttempts: AttemptLimiter;
  private readonly passwordReentries: AttemptLimiter;
  private readonly resetRequests: AttemptLimiter;

  constructor(
    @Inject(REDIS) redis: Redis,
    config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly passwords: PasswordService,
    private readonly credentials: CredentialsService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
  ) {
    const perMinute = config.env.LOGIN_MAX_ATTEMPTS_PER_MINUTE;
    const prefix = `${config.env.QUEUE_PREFIX}:rl`;
    // A stranger who knows a physician's e-mail exhausts only their own account-and-address allowance; the
    // per-account ceiling (ten times slower to refill) stops a distributed guess.
    this.loginAttempts = new AttemptLimiter(redis, `${prefix}:login`, [
      { name: 'account-address', attempts: perMinute, perSeconds: 60 },
      { name: 'account', attempts: perMinute * ACCOUNT_CEILING_FACTOR, perSeconds: 3600 },
      { name: 'address', attempts: perMinute * ADDRESS_FACTOR, perSeconds: 60 },
    ]);
    this.passwordReentries = new AttemptLimiter(redis, `${prefix}:reauth`, [
      { name: 'user', attempts: 5, perSeconds: 300 },
    ]);
    this.resetRequests = new AttemptLimiter(redis, `${prefix}:reset`, [
      { name: 'account', attempts: 3, perSeconds: 3600 },
      { name: 'address', attempts: perMinute * ADDRESS_FACTOR, perSeconds: 3600 },
    ]);
  }

  async login(email: string, password: string, address: string): Promise<AccessToken> {
    const user = await this.checkLogin(email, password, address);
    return this.issue(user);
  }

  issue(user: Pick<SignedIn, 'id' | 'tokenVersion'>): AccessToken {
    return { ...this.tokens.issue(user.id, user.tokenVersion), tokenType: 'Bearer' };
  }

  /**
   * The person behind an e-mail and password (the JSON login and the desk's login form). An unknown e-mail, an
   * account without a password yet and a wrong password cost the same argon2 verification.
   */
  async checkLogin(email: string, password: string, address: string): Promise<SignedIn> {
    const account = email.toLowerCase();
    const keys = { 'account-address': `${account}|${address}`, account, address };
    const refusal = await this.loginAttempts.consume(keys);
    if (refusal) {
      if (refusal.first)
        await this.record('auth.login_limited', null, 'unknown', {
          email: account.slice(0, 254),
          address,
          ...refusal,
        });
      throw ApiError.tooManyRequests(
        refusal.limit === 'address'
          ? 'Too many failed logins from this address; wait a minute and try again'
          : 'Too many failed logins for this account; wait a minute and try again',
      );
    }
    const user = await this.users.findByEmailWithPasswordHash(account);
    const valid = await this.passwords.verify(user?.passwordHash, password);
    if (!user || !valid || !user.active) {
      await this.record('auth.login_failed', null, user?.id ?? 'unknown', {
        email: account.slice(0, 254),
        address,
        reason: !user ? 'unknown e-mail' : !valid ? 'wrong password' : 'deactivated',
      });
      throw ApiError.unauthorized(
        user && valid && !user.active ? 'Account is deactivated' : 'Email or password is wrong',
      );
    }
    await this.loginAttempts.succeeded(keys, ['account-address']);
    await this.record('auth.login_succeeded', user.id, user.id, { address });
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      roles: user.roles,
      tokenVersion: user.tokenVersion,
    };
  }

  /**
   * Re-enter the password at the moment of signing (or to change it). The attempt is consumed before the hash is
   * checked: five per five minutes, however many arrive at once.
   */
  async reauthenticate(userId: string, password: string | undefined, purpose = 'signing'): Promise<void> {
    const keys = { user: userId };
    const refusal = await this.passwordReentries.consume(keys);
    if (refusal) {
      if (refusal.first) await this.record('auth.reauth_limited', userId, userId, { purpose, ...refusal });
      throw ApiError.tooManyRequests(
        purpose === 'signing'
          ? 'Too many wrong passwords while signing; wait five minutes'
          : 'Too many wrong passwords; wait five minutes',
      );
    }
    const user = await this.users.findByIdWithPasswordHash(userId);
    const valid = await this.passwords.verify(user?.passwordHash, password ?? '');
    if (!password || !user || !user.active || !valid) {
      await this.record(
        purpose === 'signing' ? 'auth.signing_password_wrong' : 'auth.current_password_wrong',
        userId,
        userId,
        { purpose },
      );
      if (purpose !== 'signing') {
        throw ApiError.badRequest('Your current password is wrong; nothing was changed', [
          { field: 'currentPassword', reason: 'is wrong' },
        ]);
      }
      throw ApiError.unauthorized(
        password ? 'Password is wrong; nothing was signed' : 'Re-enter your password to sign',
      );
    }
    await this.passwordReentries.succeeded(keys, ['user']);
  }

  /** The invitation's link: the person chooses their first password and is signed in. */
  async acceptInvitation(token: string, password: string): Promise<AccessToken> {
    return this.issue(await this.credentials.acceptInvitation(token, password));
  }

  /** The reset link: a new password; every token and session of the person ends. */
  async confirmPasswordReset(token: string, newPassword: string): Promise<SignedIn> {
    return this.credentials.confirmReset(token, newPassword);
  }

  /** A signed-in person's own password; every token and session they had ends. */
  async changePassword(actor: AuthUser, currentPassword: string, newPassword: string): Promise<SignedIn> {
    this.credentials.checkRules(newPassword, actor.email, 'newPassword');
    await this.reauthenticate(actor.id, currentPassword, 'password change');
    return this.credentials.change(actor.id, newPassword);
  }

  /**
   * Asks for a reset link: answers the same, at once, for any address; at most three links an hour per account
   * (further requests are dropped silently, so the answer says nothing about the account).
   */
  /** The same answer for every address, known or not, limited or not: nothing tells whether an account exists. */
  async requestPasswordReset(email: string, address: string): Promise<{ message: string }> {
    const answer = {
      message: 'If an account exists for that address, a reset link is on its way',
    };
    const account = email.toLowerCase();
    const refusal = await this.resetRequests.consume({ account, address });
    if (refusal) {
      if (refusal.first)
        await this.record('auth.reset_limited', null, 'unknown', { email: account, address });
      return answer;
    }
    this.credentials.requestReset(account);
    return answer;
  }

  private async record(
    action: AuditAction,
    actorId: string | null,
    entityId: string,
    after: Record<string, unknown> | Refusal,
  ): Promise<void> {
    await this.audit.record(this.dataSource.manager, {
      actorId,
      action,
      entityType: 'user',
      entityId,
      after,
    });
  }
}
