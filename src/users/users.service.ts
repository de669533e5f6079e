import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { AuthUser } from '../auth/auth-user.js';
import { AppConfig } from '../core/config/app-config.js';
import { ApiError } from '../core/http/api-error.js';
import { PasswordService } from './password.service.js';
import { ReviewerProfile } from './reviewer-profile.entity.js';
import { User } from './user.entity.js';
import type { CreateUserDto, ReviewerProfileDto } from './users.dto.js';
import { UsersRepository } from './users.repository.js';

export type PublicUser = Omit<User, 'passwordHash'> & { reviewerProfile?: ReviewerProfile | null };

function publicUser(user: User): PublicUser {
  const { passwordHash: _omit, ...rest } = user;
  return rest;
}

@Injectable()
export class UsersService {
  private readonly logger = new Logger('Users');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly passwords: PasswordService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async create(actor: AuthUser | null, dto: CreateUserDto): Promise<PublicUser> {
    const email = dto.email.toLowerCase();
    const passwordHash = await this.passwords.hash(dto.password);
    return this.dataSource.transaction(async (tx) => {
      if (await tx.getRepository(User).exists({ where: { email } })) {
        throw ApiError.conflict(`A user with email ${email} already exists`, [
          { field: 'email', reason: 'already exists' },
        ]);
      }
      const user = await tx
        .getRepository(User)
        .save(
          tx
            .getRepository(User)
            .create({ email, name: dto.name, passwordHash, roles: dto.roles, active: true }),
        );
      const result = publicUser(user);
      await this.audit.record(tx, {
        actorId: actor?.id ?? null,
        action: 'user.created',
        entityType: 'user',
        entityId: user.id,
        after: { email: result.email, name: result.name, roles: result.roles },
      });
      return result;
    });
  }

  async list(): Promise<PublicUser[]> {
    const users = await this.users.list();
    const profiles = new Map(
      (await this.users.findProfiles(users.map((u) => u.id))).map((p) => [p.userId, p]),
    );
    return users.map((user) => ({ ...publicUser(user), reviewerProfile: profiles.get(user.id) ?? null }));
  }

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
      await this.audit.record(tx, {
        actorId: actor.id,
        action: 'user.deactivated',
        entityType: 'user',
        entityId: user.id,
        before: { active: true },
        after: { active: false },
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

  /** Creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD when no active admin exists. */
  async ensureBootstrapAdmin(): Promise<void> {
    if (await this.users.anyActiveAdmin()) return;
    const { ADMIN_EMAIL, ADMIN_PASSWORD } = this.config.env;
    if (await this.users.existsByEmail(ADMIN_EMAIL)) {
      this.logger.warn(`no active admin, and ${ADMIN_EMAIL} exists without the admin role; not changing it`);
      return;
    }
    try {
      await this.create(null, {
        email: ADMIN_EMAIL,
        name: 'Administrator',
        password: ADMIN_PASSWORD,
        roles: ['admin'],
      });
      this.logger.log(`created the first admin ${ADMIN_EMAIL}`);
    } catch (error) {
      // Another instance created it at the same moment.
      if (!(error instanceof ApiError) && !(await this.users.existsByEmail(ADMIN_EMAIL))) throw error;
    }
  }
}
