import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { AppConfig } from '../core/config/app-config.js';
import { NotifiedCache } from '../core/database/notified-cache.js';
import { CHANGE_CHANNELS, RowChangeListener } from '../core/database/row-change-listener.js';
import { ReviewerProfile } from './reviewer-profile.entity.js';
import { User, type Role } from './user.entity.js';
import { queryPrepared } from '../core/database/prepared-query.js';

export type Caller = Pick<User, 'id' | 'email' | 'name' | 'roles' | 'tokenVersion'>;

/** Active callers kept in memory by an API process (a few hundred bytes each). */
const MAX_CACHED_CALLERS = 10_000;
const CALLER_MAX_AGE_MS = 60_000;

@Injectable()
export class UsersRepository implements OnModuleInit {
  /**
   * The callers of the auth guard, by id, so an authenticated request costs no query. Revocation stays
   * immediate: a change of token version, roles, activity, name or e-mail notifies every process at commit
   * (migration RowChangeNotify), and the process making the change drops the caller before it commits
   * (setPassword, revokeTokens). While the notifications cannot be heard nothing is served from memory.
   */
  private readonly callers: NotifiedCache<Caller>;

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(ReviewerProfile) private readonly profiles: Repository<ReviewerProfile>,
    changes: RowChangeListener,
    private readonly config: AppConfig,
  ) {
    this.callers = new NotifiedCache<Caller>(changes, CHANGE_CHANNELS.users, {
      maxSize: MAX_CACHED_CALLERS,
      sizeOf: () => 1,
      maxAgeMs: CALLER_MAX_AGE_MS,
    });
  }

  async onModuleInit(): Promise<void> {
    if (this.config.runsApi) await this.callers.start();
  }

  /** Who is calling, on every authenticated request: from memory, else one plain statement. */
  async findActiveCaller(id: string): Promise<Caller | null> {
    const cached = this.callers.get(id);
    if (cached) return cached;
    const ticket = this.callers.ticket();
    const rows: Caller[] = await this.users.query(
      'SELECT id, email, name, roles, token_version AS "tokenVersion" FROM users WHERE id = $1 AND active',
      [id],
    );
    const caller = rows[0] ?? null;
    if (caller) this.callers.set(id, Object.freeze(caller), ticket);
    return caller;
  }

  /** The user's row, locked until the caller's transaction ends, with the password hash. */
  lockWithPasswordHash(tx: EntityManager, id: string): Promise<User | null> {
    return tx
      .getRepository(User)
      .createQueryBuilder('user')
      .addSelect('user.passwordHash')
      .setLock('pessimistic_write')
      .where('user.id = :id', { id })
      .getOne();
  }

  /** Sets the password and ends every token and session issued before (the token version goes up). */
  async setPassword(tx: EntityManager, id: string, passwordHash: string): Promise<number> {
    this.callers.invalidate(id);
    const rows: { token_version: number }[][] = await tx.query(
      'UPDATE users SET password_hash = $2, token_version = token_version + 1, updated_at = now() WHERE id = $1 RETURNING token_version',
      [id, passwordHash],
    );
    return rows[0][0].token_version;
  }

  /** Ends every token and session of the user (deactivation, role change). Returns the new version. */
  async revokeTokens(tx: EntityManager, id: string): Promise<number> {
    this.callers.invalidate(id);
    const rows: { token_version: number }[][] = await tx.query(
      'UPDATE users SET token_version = token_version + 1 WHERE id = $1 RETURNING token_version',
      [id],
    );
    return rows[0][0].token_version;
  }

  findActiveById(id: string): Promise<User | null> {
    return this.users.findOne({ where: { id, active: true } });
  }

  /** People's names by id, in one plain statement (ids that match nobody are left out). */
  async namesOf(ids: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(ids)];
    if (!unique.length) return new Map();
    const rows: { id: string; name: string }[] = await this.users.query(
      'SELECT id, name FROM users WHERE id = ANY($1::uuid[])',
      [unique],
    );
    return new Map(rows.map((row) => [row.id, row.name]));
  }

  /**
   * The user without the password hash (as every read but the sign-in's). Plain SQL: read once per reminder sent,
   * where the query builder's cost showed (#15, bench:schedule).
   */
  async findById(id: string, manager?: EntityManager): Promise<User | null> {
    const rows = await queryPrepared<User>(
      manager ?? this.users.manager,
      'user_by_id',
      `SELECT id, email, name, token_version AS "tokenVersion", roles, active, created_at AS "createdAt",
              updated_at AS "updatedAt"
         FROM users WHERE id = $1`,
      [id],
    );
    return rows.length ? Object.assign(new User(), rows[0]) : null;
  }

  /** findById for several users at once: those that exist, by id, in one plain statement. */
  async findManyById(ids: readonly string[], manager?: EntityManager): Promise<Map<string, User>> {
    if (!ids.length) return new Map();
    const rows = await queryPrepared<User>(
      manager ?? this.users.manager,
      'users_by_ids',
      `SELECT id, email, name, token_version AS "tokenVersion", roles, active, created_at AS "createdAt",
              updated_at AS "updatedAt"
         FROM users WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, Object.assign(new User(), row)]));
  }

  findByIdWithPasswordHash(id: string): Promise<User | null> {
    return this.users
      .createQueryBuilder('user')
      .addSelect('user.passwordHash')
      .where('user.id = :id', { id })
      .getOne();
  }

  findByEmailWithPasswordHash(email: string): Promise<User | null> {
    return this.users
      .createQueryBuilder('user')
      .addSelect('user.passwordHash')
      .where('user.email = :email', { email: email.toLowerCase() })
      .getOne();
  }

  existsByEmail(email: string): Promise<boolean> {
    return this.users.exists({ where: { email: email.toLowerCase() } });
  }

  anyActiveAdmin(): Promise<boolean> {
    return this.users
      .createQueryBuilder('user')
      .where('user.active = true')
      .andWhere(':role = ANY(user.roles)', { role: 'admin' })
      .getExists();
  }

  /** Active users holding a role (for example every editor, to notify them). */
  findActiveByRole(role: Role, manager?: EntityManager): Promise<User[]> {
    const repo = manager ? manager.getRepository(User) : this.users;
    return repo
      .createQueryBuilder('user')
      .where('user.active = true')
      .andWhere(':role = ANY(user.roles)', { role })
      .orderBy('user.email')
      .getMany();
  }

  list(): Promise<User[]> {
    return this.users.find({ order: { createdAt: 'ASC' } });
  }

  findProfile(userId: string, manager?: EntityManager): Promise<ReviewerProfile | null> {
    const repo = manager ? manager.getRepository(ReviewerProfile) : this.profiles;
    return repo.findOne({ where: { userId } });
  }

  /** What a byline prints of a reviewer's profile, in one plain statement: for pages read on every request. */
  async readBylineProfile(
    userId: string,
  ): Promise<Pick<ReviewerProfile, 'displayName' | 'credentials' | 'affiliation'> | null> {
    const rows: Pick<ReviewerProfile, 'displayName' | 'credentials' | 'affiliation'>[] =
      await this.profiles.query(
        `SELECT display_name AS "displayName", credentials, affiliation FROM reviewer_profiles WHERE user_id = $1`,
        [userId],
      );
    return rows[0] ?? null;
  }

  /** Reviewer profiles with this display name (case aside), oldest account first. */
  findProfilesNamed(displayName: string): Promise<ReviewerProfile[]> {
    return this.profiles
      .createQueryBuilder('p')
      .where('lower(p.displayName) = lower(:name)', { name: displayName.trim() })
      .orderBy('p.userId', 'ASC')
      .getMany();
  }

  /** Active reviewers listing the specialty, with their profiles, longest-standing account first. */
  async findActiveReviewersOfSpecialty(
    specialty: string,
    manager: EntityManager,
  ): Promise<{ user: User; profile: ReviewerProfile }[]> {
    const users = await manager
      .getRepository(User)
      .createQueryBuilder('user')
      .innerJoin(ReviewerProfile, 'p', 'p.user_id = user.id')
      .where('user.active = true')
      .andWhere(':role = ANY(user.roles)', { role: 'reviewer' })
      .andWhere(':specialty = ANY(p.specialties)', { specialty })
      .orderBy('user.createdAt', 'ASC')
      .addOrderBy('user.id', 'ASC')
      .getMany();
    const profiles = new Map(
      (
        await this.findProfilesWith(
          manager,
          users.map((user) => user.id),
        )
      ).map((p) => [p.userId, p]),
    );
    return users.map((user) => ({ user, profile: profiles.get(user.id)! }));
  }

  private findProfilesWith(manager: EntityManager, userIds: string[]): Promise<ReviewerProfile[]> {
    if (!userIds.length) return Promise.resolve([]);
    return manager
      .getRepository(ReviewerProfile)
      .createQueryBuilder('p')
      .where('p.userId IN (:...userIds)', { userIds })
      .getMany();
  }

  /** Active reviewers whose licence expires on a day from `fromDate` to `toDate` (YYYY-MM-DD, inclusive). */
  async findActiveReviewersWithLicenceExpiring(
    fromDate: string,
    toDate: string,
    manager: EntityManager,
  ): Promise<{ user: User; profile: ReviewerProfile }[]> {
    const profiles = await manager
      .getRepository(ReviewerProfile)
      .createQueryBuilder('p')
      .innerJoinAndSelect('p.user', 'user')
      .where('user.active = true')
      .andWhere(':role = ANY(user.roles)', { role: 'reviewer' })
      .andWhere('p.licenseExpiresOn BETWEEN :fromDate AND :toDate', { fromDate, toDate })
      .orderBy('p.licenseExpiresOn', 'ASC')
      .addOrderBy('p.userId', 'ASC')
      .getMany();
    return profiles.map((profile) => ({ user: profile.user!, profile }));
  }

  /** Of these users, the ones who have not chosen a password yet (their invitation is still open). */
  async findIdsWithoutPassword(userIds: string[]): Promise<string[]> {
    if (!userIds.length) return [];
    const rows: { id: string }[] = await this.users.query(
      'SELECT id FROM users WHERE id = ANY($1::uuid[]) AND password_hash IS NULL',
      [userIds],
    );
    return rows.map((row) => row.id);
  }

  findProfiles(userIds: string[]): Promise<ReviewerProfile[]> {
    if (!userIds.length) return Promise.resolve([]);
    return this.profiles.createQueryBuilder('p').where('p.userId IN (:...userIds)', { userIds }).getMany();
  }
}
