import type { AuditAction } from '../audit/audit-action.js';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import { inTransaction } from '../core/database/transaction.js';
import { ApiError } from '../core/http/api-error.js';
import { AccountEmails } from './account-emails.js';
import type { AccountTokenPurpose } from './account-token.entity.js';
import { AccountTokensRepository } from './account-tokens.repository.js';
import { passwordProblem } from './password-policy.js';
import { PasswordService } from './password.service.js';
import { User } from './user.entity.js';
import { UsersRepository } from './users.repository.js';

/** The person the password now belongs to, and the token version every new token and session carries. */
export interface PasswordOwner {
  id: string;
  email: string;
  name: string;
  roles: User['roles'];
  tokenVersion: number;
}

/**
 * A person's own password: chosen from the invitation, changed while signed in, or reset from an e-mailed link.
 * Every change ends all of the person's earlier tokens and browser sessions.
 */
@Injectable()
export class CredentialsService {
  private readonly logger = new Logger('Credentials');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly passwords: PasswordService,
    private readonly tokens: AccountTokensRepository,
    private readonly emails: AccountEmails,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Refuses (400 naming the token) a link that could not be used now: unknown, used, voided or expired. */
  checkLink(token: string, purpose: AccountTokenPurpose): Promise<void> {
    return this.tokens.check(this.dataSource.manager, token, purpose, this.clock.now());
  }

  /** The invitation's link: the person chooses their first password. */
  acceptInvitation(token: string, password: string): Promise<PasswordOwner> {
    return this.setFromLink(token, 'invitation', password, 'password', 'user.invitation_accepted');
  }

  /** The reset link: a new password, and every session and token ends. */
  confirmReset(token: string, newPassword: string): Promise<PasswordOwner> {
    return this.setFromLink(token, 'password_reset', newPassword, 'newPassword', 'user.password_reset');
  }

  private async setFromLink(
    token: string,
    purpose: AccountTokenPurpose,
    password: string,
    field: string,
    action: AuditAction,
  ): Promise<PasswordOwner> {
    return this.dataSource.transaction(async (tx) => {
      const now = this.clock.now();
      const link = await this.tokens.consume(tx, token, purpose, now);
      const user = await this.users.lockWithPasswordHash(tx, link.userId);
      if (!user || !user.active) {
        throw ApiError.badRequest('This link belongs to an account that is deactivated', [
          { field: 'token', reason: 'account is deactivated' },
        ]);
      }
      this.checkRules(password, user.email, field);
      const owner = await this.store(tx, user, password, action, user.id, { via: purpose });
      return owner;
    });
  }

  /**
   * A signed-in person's new password. The caller has just proven the current one (AuthService, through the
   * same attempt limit as the signing password).
   */
  async change(userId: string, newPassword: string): Promise<PasswordOwner> {
    return this.dataSource.transaction(async (tx) => {
      const user = await this.users.lockWithPasswordHash(tx, userId);
      if (!user || !user.active) throw ApiError.unauthorized('Account is deactivated or no longer exists');
      this.checkRules(newPassword, user.email, 'newPassword');
      if (user.passwordHash && (await this.passwords.verify(user.passwordHash, newPassword))) {
        throw ApiError.badRequest('Choose a password different from the current one', [
          { field: 'newPassword', reason: 'is the same as the current password' },
        ]);
      }
      return this.store(tx, user, newPassword, 'user.password_changed', userId, {});
    });
  }

  /** Refuses a password that breaks the rules (400 naming the field), before anything slow happens. */
  checkRules(password: string, email: string, field: string): void {
    const problem = passwordProblem(password, email);
    if (problem) {
      throw ApiError.badRequest(`The password ${problem}`, [{ field, reason: problem }]);
    }
  }

  private async store(
    tx: EntityManager,
    user: User,
    password: string,
    action: AuditAction,
    actorId: string,
    detail: Record<string, unknown>,
  ): Promise<PasswordOwner> {
    const tokenVersion = await this.users.setPassword(tx, user.id, await this.passwords.hash(password));
    await this.audit.record(tx, { actorId, action, entityType: 'user', entityId: user.id, after: detail });
    if (action === 'user.invitation_accepted') {
      return { id: user.id, email: user.email, name: user.name, roles: user.roles, tokenVersion };
    }
    await this.audit.record(tx, {
      actorId,
      action: 'user.sessions_revoked',
      entityType: 'user',
      entityId: user.id,
      after: { reason: action, tokenVersion },
    });
    return { id: user.id, email: user.email, name: user.name, roles: user.roles, tokenVersion };
  }

  /**
   * Asks for a reset link. The caller answers at once whatever happens here (202 for any e-mail), so an unknown
   * address and a known one take the same time: the work runs after the answer.
   */
  requestReset(email: string): void {
    void this.sendResetLink(email.toLowerCase()).catch((error: unknown) =>
      this.logger.warn(`password reset for an address failed: ${(error as Error).message}`),
    );
  }

  /** Resolves once the reset e-mail (if any) is in the outbox; exposed for tests and the desk pages. */
  async sendResetLink(email: string): Promise<boolean> {
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const user = await tx
        .getRepository(User)
        .findOne({ where: { email }, lock: { mode: 'pessimistic_write' } });
      if (!user || !user.active) return false;
      const now = this.clock.now();
      const expiresAt = new Date(now.getTime() + this.config.env.PASSWORD_RESET_TTL.as('milliseconds'));
      const { token, row } = await this.tokens.issue(tx, user.id, 'password_reset', now, expiresAt);
      await this.emails.passwordReset(tx, ctx, user, token, row);
      await this.audit.record(tx, {
        actorId: null,
        action: 'user.password_reset_requested',
        entityType: 'user',
        entityId: user.id,
        after: { expiresAt: expiresAt.toISOString() },
      });
      return true;
    });
  }
}
