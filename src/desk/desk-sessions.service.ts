import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, IsNull } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import { sha256 } from '../users/account-tokens.repository.js';
import { type Caller, UsersRepository } from '../users/users.repository.js';
import { DeskSession } from './desk-session.entity.js';

/** A signed-in browser: the person (as the JSON API's guard sees them) and the session's own raw id. */
export interface DeskVisit {
  user: Caller;
  sessionId: string;
  /** The random id from the cookie; never stored, only its hash. */
  rawId: string;
}

/**
 * Browser sessions of the desk pages: a random 256-bit id in an HttpOnly cookie, its SHA-256 in PostgreSQL,
 * ended by logout, by SESSION_IDLE_TIMEOUT without a request, by SESSION_MAX_AGE whatever happens, and by
 * anything that raises the person's token version (password change or reset, deactivation, role change).
 */
@Injectable()
export class DeskSessionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  private get repo() {
    return this.dataSource.getRepository(DeskSession);
  }

  /** Starts a session for the person; returns the raw id for the cookie. */
  async start(user: Pick<Caller, 'id' | 'tokenVersion'>, address: string): Promise<string> {
    const rawId = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const session = await this.repo.save(
      this.repo.create({
        idHash: sha256(rawId),
        userId: user.id,
        tokenVersion: user.tokenVersion,
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + this.config.env.SESSION_MAX_AGE.as('milliseconds')),
        endedAt: null,
      }),
    );
    await this.audit.record(this.dataSource.manager, {
      actorId: user.id,
      action: 'auth.session_started',
      entityType: 'user',
      entityId: user.id,
      after: { sessionId: session.id, address },
    });
    return rawId;
  }

  /**
   * The live session behind a cookie value, touched (idle expiry counts from now), or undefined. On every desk
   * request, so the common case is one statement: the UPDATE only matches a live session (not ended, before its
   * absolute and idle expiry) and returns it. Only when it matches nothing is a session that has just run out
   * marked ended (a second statement, which changes nothing for an unknown cookie).
   */
  async resolve(rawId: string | undefined): Promise<DeskVisit | undefined> {
    if (!rawId || !/^[A-Za-z0-9_-]{43}$/.test(rawId)) return undefined;
    const idHash = sha256(rawId);
    const now = this.clock.now();
    const idleSince = new Date(now.getTime() - this.config.env.SESSION_IDLE_TIMEOUT.as('milliseconds'));
    // TypeORM answers an UPDATE with [returned rows, affected count].
    const [rows] = await this.repo.query<[Pick<DeskSession, 'id' | 'userId' | 'tokenVersion'>[], number]>(
      `UPDATE desk_sessions SET last_seen_at = $2
        WHERE id_hash = $1 AND ended_at IS NULL AND expires_at > $2 AND last_seen_at > $3
        RETURNING id, user_id AS "userId", token_version AS "tokenVersion"`,
      [idHash, now, idleSince],
    );
    const session = rows[0];
    if (!session) {
      await this.repo.update({ idHash, endedAt: IsNull() }, { endedAt: now });
      return undefined;
    }
    const user = await this.users.findActiveCaller(session.userId);
    if (!user || user.tokenVersion !== session.tokenVersion) {
      await this.repo.update({ id: session.id, endedAt: IsNull() }, { endedAt: now });
      return undefined;
    }
    return { user, sessionId: session.id, rawId };
  }

  /** Logout: the session ends at once. */
  async end(visit: DeskVisit): Promise<void> {
    await this.repo.update({ id: visit.sessionId, endedAt: IsNull() }, { endedAt: this.clock.now() });
    await this.audit.record(this.dataSource.manager, {
      actorId: visit.user.id,
      action: 'auth.logged_out',
      entityType: 'user',
      entityId: visit.user.id,
      after: { sessionId: visit.sessionId },
    });
  }
}
