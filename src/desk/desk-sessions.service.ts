import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, IsNull } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import { NotifiedCache } from '../core/database/notified-cache.js';
import { CHANGE_CHANNELS, RowChangeListener } from '../core/database/row-change-listener.js';
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

/** A live session as this process knows it (by the SHA-256 of its cookie value). */
interface KnownSession {
  id: string;
  userId: string;
  tokenVersion: number;
  expiresAt: number;
  /** The last request this process saw (or PostgreSQL's `last_seen_at` when it was read): idle expiry counts from it. */
  lastSeenAt: number;
  /** When this process last wrote `last_seen_at`. */
  touchedAt: number;
}

/** Sessions kept in memory per process (a few hundred bytes each). */
const MAX_KNOWN_SESSIONS = 20_000;
/** A backstop only: every end, expiry or token-version change is notified at commit. */
const KNOWN_SESSION_MAX_AGE_MS = 10 * 60_000;
/**
 * `last_seen_at` is written at most once a minute per session and process (TOUCH_EVERY_MS). The idle timeout is
 * still exact in the process serving the session (it counts from that process's own last request, kept in
 * memory); another process that has not seen the session since then asks PostgreSQL, whose `last_seen_at` is at
 * most a minute behind: it may end a session at most a minute early, never late.
 */
export const TOUCH_EVERY_MS = 60_000;

/**
 * Browser sessions of the desk pages: a random 256-bit id in an HttpOnly cookie, its SHA-256 in PostgreSQL,
 * ended by logout, by SESSION_IDLE_TIMEOUT without a request, by SESSION_MAX_AGE whatever happens, and by
 * anything that raises the person's token version (password change or reset, deactivation, role change).
 */
@Injectable()
export class DeskSessionsService implements OnModuleInit {
  /**
   * Live sessions by id hash, so a desk request costs no statement: dropped when PostgreSQL notifies at commit
   * that the session ended or changed (migration DeskCacheNotify), in any process; dropped at once by this
   * process's own logout; nothing served from memory while the notifications cannot be heard. The person's
   * token version and activity are compared on every request with UsersRepository's callers (notified too).
   */
  private readonly known: NotifiedCache<KnownSession>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    changes: RowChangeListener,
  ) {
    this.known = new NotifiedCache<KnownSession>(changes, CHANGE_CHANNELS.deskSessions, {
      maxSize: MAX_KNOWN_SESSIONS,
      sizeOf: () => 1,
      maxAgeMs: KNOWN_SESSION_MAX_AGE_MS,
    });
  }

  async onModuleInit(): Promise<void> {
    if (this.config.runsApi) await this.known.start();
  }

  /** Sessions held in memory (for tests). */
  get knownSessions(): number {
    return this.known.stats.entries;
  }

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
   * request. From memory when this process knows the session and it is neither past its absolute expiry nor idle
   * since this process last saw it; `last_seen_at` is then written at most every TOUCH_EVERY_MS. Otherwise one
   * statement: the UPDATE only matches a live session (not ended, before its absolute and idle expiry) and
   * returns it. Only when it matches nothing is a session that has just run out marked ended (a second statement,
   * which changes nothing for an unknown cookie).
   */
  async resolve(rawId: string | undefined): Promise<DeskVisit | undefined> {
    if (!rawId || !/^[A-Za-z0-9_-]{43}$/.test(rawId)) return undefined;
    const idHash = sha256(rawId);
    const now = this.clock.now();
    const nowMs = now.getTime();
    const idleMs = this.config.env.SESSION_IDLE_TIMEOUT.as('milliseconds');
    const known = this.known.get(idHash);
    let session: KnownSession | undefined;
    if (known && known.expiresAt > nowMs && known.lastSeenAt > nowMs - idleMs) {
      if (nowMs - known.touchedAt >= TOUCH_EVERY_MS) {
        // The session is live (nothing notified otherwise); the touch only moves last_seen_at forward.
        await this.repo.query(
          `UPDATE desk_sessions SET last_seen_at = $2 WHERE id_hash = $1 AND ended_at IS NULL AND last_seen_at < $2`,
          [idHash, now],
        );
        known.touchedAt = nowMs;
      }
      known.lastSeenAt = Math.max(known.lastSeenAt, nowMs);
      session = known;
    } else {
      const ticket = this.known.ticket();
      // TypeORM answers an UPDATE with [returned rows, affected count].
      const [rows] = await this.repo.query<
        [{ id: string; userId: string; tokenVersion: number; expiresAt: Date }[], number]
      >(
        `UPDATE desk_sessions SET last_seen_at = $2
          WHERE id_hash = $1 AND ended_at IS NULL AND expires_at > $2 AND last_seen_at > $3
          RETURNING id, user_id AS "userId", token_version AS "tokenVersion", expires_at AS "expiresAt"`,
        [idHash, now, new Date(nowMs - idleMs)],
      );
      const row = rows[0];
      if (!row) {
        this.known.changed(idHash);
        await this.repo.update({ idHash, endedAt: IsNull() }, { endedAt: now });
        return undefined;
      }
      session = {
        id: row.id,
        userId: row.userId,
        tokenVersion: row.tokenVersion,
        expiresAt: row.expiresAt.getTime(),
        lastSeenAt: nowMs,
        touchedAt: nowMs,
      };
      this.known.set(idHash, session, ticket);
    }
    const user = await this.users.findActiveCaller(session.userId);
    if (!user || user.tokenVersion !== session.tokenVersion) {
      this.known.invalidate(idHash);
      await this.repo.update({ id: session.id, endedAt: IsNull() }, { endedAt: now });
      return undefined;
    }
    return { user, sessionId: session.id, rawId };
  }

  /** Logout: the session ends at once. */
  async end(visit: DeskVisit): Promise<void> {
    this.known.invalidate(sha256(visit.rawId));
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
