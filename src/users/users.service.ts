import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { AuthUser } from '../auth/auth-user.js';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import { inTransaction, type TransactionContext } from '../core/database/transaction.js';
import { ApiError } from '../core/http/api-error.js';
import { AccountEmails } from './account-emails.js';
import { AccountTokensRepository } from './account-tokens.repository.js';
import { PasswordService } from './password.service.js';
import { ReviewerProfile } from './reviewer-profile.entity.js';
import { ROLES, User } from './user.entity.js';
import type { ChangeRolesDto, CreateUserDto, ReviewerProfileDto } from './users.dto.js';
import { UsersRepository } from './users.repository.js';

export type PublicUser = Omit<User, 'passwordHash' | 'tokenVersion'> & {
  reviewerProfile?: ReviewerProfile | null;
};

export function publicUser(user: User): PublicUser {
  const { passwordHash: _hash, tokenVersion: _version, ...rest } = user;
  return rest;
}

@Injectable()
export class UsersService {
  private readonly logger = new Logger('Users');

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

  /**
   * Creates the account without a usable password and e-mails an invitation: the person chooses the password
   * from the link, so nobody else ever knows it.
   */
  async create(actor: AuthUser, dto: CreateUserDto): Promise<PublicUser> {
    const email = dto.email.toLowerCase();
    return inTransaction(this.dataSource, async (tx, ctx) => {
      if (await tx.getRepository(User).exists({ where: { email } })) {
        throw ApiError.conflict(`A user with email ${email} already exists`, [
          { field: 'email', reason: 'already exists' },
        ]);
      }
      const repo = tx.getRepository(User);
      const user = await repo.save(
        repo.create({ email, name: dto.name, passwordHash: null, roles: dto.roles, active: true }),
      );
      const result = publicUser(user);
      await this.audit.record(tx, {
        actorId: actor.id,
        action: 'user.created',
        entityType: 'user',
        entityId: user.id,
        after: { email: result.email, name: result.name, roles: result.roles },
      });
      await this.invite(tx, ctx, actor, user);
      return result;
    });
  }

  /** A new invitation for a person who has not chosen a password yet; the earlier link stops working. */
  async resendInvitation(actor: AuthUser, id: string): Promise<{ userId: string; expiresAt: Date }> {
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const user = await this.users.lockWithPasswordHash(tx, id);
      if (!user) throw ApiError.notFound('User');
      if (!user.active) throw ApiError.conflict('The account is deactivated; no invitation is sent');
      if (user.passwordHash) {
        throw ApiError.conflict(
          'This person has already chosen a password; they can reset it from the login page',
        );
      }
      const expiresAt = await this.invite(tx, ctx, actor, user);
      return { userId: user.id, expiresAt };
    });
  }

  private async invite(
    tx: EntityManager,
    ctx: TransactionContext,
    actor: AuthUser,
    user: User,
  ): Promise<Date> {
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.config.env.INVITATION_TTL.as('milliseconds'));
    const { token, row } = await this.tokens.issue(tx, user.id, 'invitation', now, expiresAt);
    await this.emails.invitation(tx, ctx, user, actor.name, token, row);
    await this.audit.record(tx, {
      actorId: actor.id,
      action: 'user.invitation_sent',
      entityType: 'user',
      entityId: user.id,
      after: { email: user.email, expiresAt: expiresAt.toISOString() },
    });
    return expiresAt;
  }

  async list(): Promise<PublicUser[]> {
    const users = await this.users.list();
    const profiles = new Map(
      (await this.users.findProfiles(users.map((u) => u.id))).map((p) => [p.userId, p]),
    );
    return users.map((user) => ({ ...publicUser(user), reviewerProfile: profiles.get(user.id) ?? null }));
  }

  /** Everyone, as list() gives them, each with whether they still have to choose a password (invited). */
  async listWithInvitationState(): Promise<(PublicUser & { invited: boolean })[]> {
    const users = await this.list();
    const waiting = new Set(await this.users.findIdsWithoutPassword(users.map((user) => user.id)));
    return users.map((user) => ({ ...user, invited: waiting.has(user.id) }));
  }

  /** One person with their reviewer profile and invitation state, or 404. */
  async getWithInvitationState(id: string): Promise<PublicUser & { invited: boolean }> {
    const user = await this.users.findById(id);
    if (!user) throw ApiError.notFound('User');
    const [profile, waiting] = await Promise.all([
      this.users.findProfile(id),
      this.users.findIdsWithoutPassword([id]),
    ]);
    return { ...publicUser(user), reviewerProfile: profile, invited: waiting.includes(id) };
  }

  /** Deactivates the account: every token and browser session of the person stops working at once. */
  async deactivate(actor: AuthUser, id: string): Promise<PublicUser> {
    return this.dataSource.transaction(async (tx) => {
      const user = await tx
        .getRepository(User)
        .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!user) throw ApiError.notFound('User');
      if (user.id === actor.id) throw ApiError.conflict('You cannot deactivate your own account');
      if (!user.active) return publicUser(user);
      user.active = false;
      await tx.getRepository(User).save(user);
      const tokenVersion = await this.users.revokeTokens(tx, user.id);
      await this.audit.record(tx, {
        actorId: actor.id,
        action: 'user.deactivated',
        entityType: 'user',
        entityId: user.id,
        before: { active: true },
        after: { active: false },
      });
      await this.audit.record(tx, {
        actorId: actor.id,
        action: 'user.sessions_revoked',
        entityType: 'user',
        entityId: user.id,
        after: { reason: 'deactivated', tokenVersion },
      });
      return publicUser(user);
    });
  }

  /**
   * Replaces the person's roles. What they may do changes at once: every token and browser session they hold
   * ends, and they sign in again under the new roles. An admin cannot take the admin role from themselves (the
   * service would be left without the person who could give it back).
   */
  async changeRoles(actor: AuthUser, id: string, dto: ChangeRolesDto): Promise<PublicUser> {
    return this.dataSource.transaction(async (tx) => {
      const user = await tx
        .getRepository(User)
        .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!user) throw ApiError.notFound('User');
      if (!user.active) throw ApiError.conflict('The account is deactivated; its roles cannot change');
      const roles = ROLES.filter((role) => dto.roles.includes(role));
      if (user.id === actor.id && user.roles.includes('admin') && !roles.includes('admin')) {
        throw ApiError.conflict('You cannot remove the admin role from your own account', [
          { field: 'roles', reason: 'must keep admin for your own account' },
        ]);
      }
      const before = [...user.roles];
      if (before.length === roles.length && roles.every((role) => before.includes(role))) {
        return publicUser(user);
      }
      user.roles = roles;
      await tx.getRepository(User).save(user);
      const tokenVersion = await this.users.revokeTokens(tx, user.id);
      await this.audit.record(tx, {
        actorId: actor.id,
        action: 'user.roles_changed',
        entityType: 'user',
        entityId: user.id,
        before: { roles: before },
        after: { roles },
      });
      await this.audit.record(tx, {
        actorId: actor.id,
        action: 'user.sessions_revoked',
        entityType: 'user',
        entityId: user.id,
        after: { reason: 'roles_changed', tokenVersion },
      });
      return publicUser(user);
    });
  }

  async putReviewerProfile(
    actor: AuthUser,
    userId: string,
    dto: ReviewerProfileDto,
  ): Promise<ReviewerProfile> {
    return this.dataSource.transaction(async (tx) => {
      const user = await tx.getRepository(User).findOne({ where: { id: userId } });
      if (!user) throw ApiError.notFound('User');
      if (!user.roles.includes('reviewer')) {
        throw ApiError.conflict(
          'Only users with the reviewer role can have a reviewer profile; add the role first',
        );
      }
      const repo = tx.getRepository(ReviewerProfile);
      const before = await repo.findOne({ where: { userId } });
      const profile = await repo.save(repo.create({ ...dto, userId }));
      await this.audit.record(tx, {
        actorId: actor.id,
        action: before ? 'reviewer_profile.updated' : 'reviewer_profile.created',
        entityType: 'reviewer_profile',
        entityId: userId,
        before,
        after: profile,
      });
      return profile;
    });
  }

  /**
   * Creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD when no active admin exists. The only account
   * created with a password: the operator chose it (and production refuses the one shipped in .env.example).
   */
  async ensureBootstrapAdmin(): Promise<void> {
    if (await this.users.anyActiveAdmin()) return;
    const { ADMIN_EMAIL, ADMIN_PASSWORD } = this.config.env;
    const email = ADMIN_EMAIL.toLowerCase();
    if (await this.users.existsByEmail(email)) {
      this.logger.warn(`no active admin, and ${email} exists without the admin role; not changing it`);
      return;
    }
    const passwordHash = await this.passwords.hash(ADMIN_PASSWORD);
    try {
      await this.dataSource.transaction(async (tx) => {
        const repo = tx.getRepository(User);
        const user = await repo.save(
          repo.create({ email, name: 'Administrator', passwordHash, roles: ['admin'], active: true }),
        );
        await this.audit.record(tx, {
          actorId: null,
          action: 'user.created',
          entityType: 'user',
          entityId: user.id,
          after: { email, name: user.name, roles: user.roles, bootstrap: true },
        });
      });
      this.logger.log(`created the first admin ${email}`);
    } catch (error) {
      // Another instance created it at the same moment.
      if (!(await this.users.existsByEmail(email))) throw error;
    }
  }
}
