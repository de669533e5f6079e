import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, EntityManager, type QueryDeepPartialEntity, Repository } from 'typeorm';
import { AppConfig } from '../core/config/app-config.js';
import { EmailOutbox, type EmailStatus } from './email-outbox.entity.js';
import { queryPrepared } from '../core/database/prepared-query.js';

export interface NewOutboxRow {
  dedupeKey: string;
  template: string;
  toAddress: string;
  toUserId: string | null;
  articleId: string | null;
  context: Record<string, unknown>;
}

/** A row this worker has just moved to `sending`. */
export interface ClaimedEmail {
  id: string;
  template: string;
  toAddress: string;
  context: Record<string, unknown>;
  /** Including this one. */
  attempts: number;
  /** Automatic re-sends so far, including this one when it is one. */
  autoResends: number;
  /** The row's own, the same on every attempt. */
  messageId: string;
}

/** A row whose delivery is in doubt, due for an automatic re-send by its template's policy. */
export interface ResendCandidate {
  id: string;
  status: 'unknown' | 'sending';
  template: string;
  toAddress: string;
  messageId: string | null;
  lastAttemptAt: Date;
  autoResends: number;
}

/** A template's automatic re-send rule, as the queries need it. */
export interface ResendRule {
  template: string;
  /** Rows last attempted at or before this are due. */
  cutoff: Date;
  maxResends: number;
}

/** Longest error text kept on a row: enough for an SMTP reply, bounded for a list page. */
const MAX_ERROR_LENGTH = 2000;

function errorText(error: string): string {
  return error.length > MAX_ERROR_LENGTH ? `${error.slice(0, MAX_ERROR_LENGTH - 1)}…` : error;
}

/**
 * The email outbox. Every status change is a conditional update from the statuses it may leave, so two
 * workers (or a worker and an admin) can never both move one row.
 */
@Injectable()
export class EmailOutboxRepository {
  /** The host part of every Message-ID: PUBLIC_BASE_URL's. */
  readonly messageIdHost: string;

  constructor(
    @InjectRepository(EmailOutbox) private readonly rows: Repository<EmailOutbox>,
    config: AppConfig,
  ) {
    this.messageIdHost = new URL(config.env.PUBLIC_BASE_URL).hostname;
  }

  /** The Message-ID a row got at creation (rows older than that get the same form on their first claim). */
  messageIdOf(id: string): string {
    return `<${id}@${this.messageIdHost}>`;
  }

  /**
   * Inserts in the caller's transaction; rows whose dedupe key already exists are skipped. Each new row gets its
   * Message-ID here, `<id@messageIdHost>`, once and for all. Ids of new rows.
   */
  async insertNew(tx: EntityManager, rows: NewOutboxRow[]): Promise<string[]> {
    return (await this.insertNewKeyed(tx, rows)).map((row) => row.id);
  }

  /** As insertNew, with each new row's dedupe key beside its id. */
  async insertNewKeyed(
    tx: EntityManager,
    rows: NewOutboxRow[],
  ): Promise<{ id: string; dedupeKey: string }[]> {
    return queryPrepared<{ id: string; dedupeKey: string }>(
      tx,
      'outbox_insert',
      `INSERT INTO email_outbox (id, message_id, dedupe_key, template, to_address, to_user_id, article_id, context)
       SELECT id, '<' || id || '@' || $7 || '>', dedupe_key, template, to_address, to_user_id, article_id, context
         FROM (SELECT uuid_generate_v4() AS id, u.*
                 FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::uuid[], $5::uuid[], $6::jsonb[])
                   AS u(dedupe_key, template, to_address, to_user_id, article_id, context)) AS fresh
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING id, dedupe_key AS "dedupeKey"`,
      [
        rows.map((row) => row.dedupeKey),
        rows.map((row) => row.template),
        rows.map((row) => row.toAddress),
        rows.map((row) => row.toUserId),
        rows.map((row) => row.articleId),
        rows.map((row) => JSON.stringify(row.context)),
        this.messageIdHost,
      ],
    );
  }

  /** Ids of the pending or sending rows whose dedupe key starts with `prefix` (few: only unfinished rows). */
  async findUnfinished(prefix: string): Promise<string[]> {
    const rows: { id: string }[] = await this.rows.query(
      `SELECT id FROM email_outbox
        WHERE status IN ('pending', 'sending') AND starts_with(dedupe_key, $1)
        ORDER BY created_at, id`,
      [prefix],
    );
    return rows.map((row) => row.id);
  }

  findById(id: string, manager?: EntityManager): Promise<EmailOutbox | null> {
    const repo = manager ? manager.getRepository(EmailOutbox) : this.rows;
    return repo.findOne({ where: { id } });
  }

  /** Locks the row for an admin action in `tx`. */
  findByIdForUpdate(tx: EntityManager, id: string): Promise<EmailOutbox | null> {
    return tx.getRepository(EmailOutbox).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /**
   * pending → sending, counting the attempt and stamping its start, and returns what the send needs, in one
   * statement. Null when the row is not pending (sent, someone else's, or gone): read it to find out which.
   */
  async claimForSending(id: string, attemptAt: Date): Promise<ClaimedEmail | null> {
    const rows = await queryPrepared<{
      template: string;
      to_address: string;
      context: Record<string, unknown>;
      attempts: number;
      auto_resends: number;
      message_id: string;
    }>(
      this.rows.manager,
      'outbox_claim',
      // As a CTE, so the driver answers with the rows (an UPDATE's answer is [rows, count]).
      `WITH claimed AS (
           UPDATE email_outbox
              SET status = 'sending', attempts = attempts + 1, last_attempt_at = $2,
                  message_id = COALESCE(message_id, $3), updated_at = now()
            WHERE id = $1 AND status = 'pending'
            RETURNING template, to_address, context, attempts, auto_resends, message_id)
         SELECT * FROM claimed`,
      [id, attemptAt, this.messageIdOf(id)],
    );
    const row = rows[0];
    return row
      ? {
          id,
          template: row.template,
          toAddress: row.to_address,
          context: row.context,
          attempts: row.attempts,
          autoResends: row.auto_resends,
          messageId: row.message_id,
        }
      : null;
  }

  /**
   * The mail server accepted it (or a person says it did). A row an overlapping attempt marked unknown, or put
   * back to pending for an automatic re-send, is resolved too: it did arrive.
   */
  async markSent(id: string, sentAt: Date, manager?: EntityManager): Promise<boolean> {
    return this.moveToSent(manager ?? this.rows.manager, id, sentAt, true);
  }

  /**
   * markSent for the sender, right after the server accepted the message, in a statement of its own whose commit
   * does not wait for its WAL to reach the disk (`synchronous_commit` off for this statement alone: one disk flush
   * less per e-mail delivered). Safe because losing the mark loses nothing: only a crash of the database server
   * in the fraction of a second before the WAL writer flushes it can undo it, and the row is then `sending` again,
   * which the next attempt (a retry, the reminder job run again, the outbox relay) marks `unknown`: the outcome
   * of a worker that dies between the handover and the mark, already handled by each template's policy (a
   * reminder is sent again with the same Message-ID; the others wait for a person). The claim before the send
   * stays synchronous: it is what keeps a message from being sent twice without anyone knowing.
   */
  markDelivered(id: string, sentAt: Date): Promise<boolean> {
    return this.moveToSent(this.rows.manager, id, sentAt, false);
  }

  /** The row to `sent`: one plain statement (every delivered e-mail passes here; the query builder cost as much). */
  private async moveToSent(
    manager: EntityManager,
    id: string,
    sentAt: Date,
    durable: boolean,
  ): Promise<boolean> {
    // Not durable: synchronous_commit off until this statement's own (implicit) transaction ends.
    const relax = durable ? '' : `relaxed AS (SELECT set_config('synchronous_commit', 'off', true)),`;
    const rows = await queryPrepared<{ id: string }>(
      manager,
      durable ? 'outbox_sent' : 'outbox_delivered',
      `WITH ${relax} moved AS (
           UPDATE email_outbox SET status = 'sent', sent_at = $2, updated_at = now()
             ${durable ? '' : 'FROM relaxed'}
            WHERE id = $1 AND status IN ('sending', 'unknown', 'pending')
            RETURNING id)
         SELECT id FROM moved`,
      [id, sentAt],
    );
    return rows.length === 1;
  }

  /** A failure worth retrying: back to pending, with the reason. */
  releaseForRetry(id: string, error: string): Promise<boolean> {
    return this.move(id, ['sending'], { status: 'pending', lastError: errorText(error) });
  }

  markFailed(id: string, from: EmailStatus[], error: string): Promise<boolean> {
    return this.move(id, from, { status: 'failed', lastError: errorText(error) });
  }

  markUnknown(id: string, from: EmailStatus[], error: string): Promise<boolean> {
    return this.move(id, from, { status: 'unknown', lastError: errorText(error) });
  }

  /** An admin sends it again: failed or unknown → pending. */
  resetToPending(tx: EntityManager, id: string): Promise<boolean> {
    return this.move(id, ['failed', 'unknown'], { status: 'pending' }, tx);
  }

  /**
   * Rows in doubt (`unknown`, or `sending` from an attempt that may have died) whose template is re-sent
   * automatically, last attempted before its cutoff and not yet re-sent its maximum number of times. Oldest
   * attempt first, at most `limit`.
   */
  async findDueForResend(rules: ResendRule[], limit: number): Promise<ResendCandidate[]> {
    if (!rules.length) return [];
    const rows: {
      id: string;
      status: 'unknown' | 'sending';
      template: string;
      to_address: string;
      message_id: string | null;
      last_attempt_at: Date;
      auto_resends: number;
    }[] = await this.rows.query(
      `SELECT e.id, e.status, e.template, e.to_address, e.message_id, e.last_attempt_at, e.auto_resends
         FROM email_outbox e
         JOIN unnest($1::varchar[], $2::timestamptz[], $3::int[]) AS rule(template, cutoff, max_resends)
           ON rule.template = e.template
        WHERE e.status IN ('unknown', 'sending')
          AND e.last_attempt_at <= rule.cutoff
          AND e.auto_resends < rule.max_resends
        ORDER BY e.last_attempt_at, e.id
        LIMIT $4`,
      [
        rules.map((rule) => rule.template),
        rules.map((rule) => rule.cutoff),
        rules.map((rule) => rule.maxResends),
        limit,
      ],
    );
    return rows.map((row) => ({
      id: row.id,
      status: row.status,
      template: row.template,
      toAddress: row.to_address,
      messageId: row.message_id,
      lastAttemptAt: row.last_attempt_at,
      autoResends: row.auto_resends,
    }));
  }

  /**
   * unknown or sending → pending for an automatic re-send, counting it, in one conditional statement: only
   * while the row is still in `from`, still not attempted since `rule.cutoff` and under `rule.maxResends`, so
   * of two relays (or a relay and an admin) exactly one moves it. The new count, or null when someone else won.
   */
  async claimForResend(
    id: string,
    from: 'unknown' | 'sending',
    rule: ResendRule,
    note: string,
  ): Promise<number | null> {
    const rows: { auto_resends: number }[] = await this.rows.query(
      `WITH claimed AS (
           UPDATE email_outbox
              SET status = 'pending', auto_resends = auto_resends + 1, last_error = $5, updated_at = now()
            WHERE id = $1 AND status = $2 AND last_attempt_at <= $3 AND auto_resends < $4
            RETURNING auto_resends)
         SELECT * FROM claimed`,
      [id, from, rule.cutoff, rule.maxResends, errorText(note)],
    );
    return rows[0]?.auto_resends ?? null;
  }

  /** Newest first; with no status, the rows that may need a person: failed, unknown and pending. */
  list(statuses: EmailStatus[], limit: number): Promise<EmailOutbox[]> {
    return this.rows
      .createQueryBuilder('e')
      .where('e.status IN (:...statuses)', { statuses })
      .orderBy('e.createdAt', 'DESC')
      .addOrderBy('e.id', 'DESC')
      .limit(limit)
      .getMany();
  }

  /**
   * Rows whose job may be lost: pending, or sending (a worker that died mid-send), and untouched for longer
   * than the given ages. Oldest first, at most `limit`.
   */
  findStale(pendingAgeSeconds: number, sendingAgeSeconds: number, limit: number): Promise<EmailOutbox[]> {
    return this.rows
      .createQueryBuilder('e')
      .where(
        new Brackets((where) =>
          where
            .where(`e.status = 'pending' AND e.updatedAt < now() - make_interval(secs => :pendingAge)`, {
              pendingAge: pendingAgeSeconds,
            })
            .orWhere(`e.status = 'sending' AND e.updatedAt < now() - make_interval(secs => :sendingAge)`, {
              sendingAge: sendingAgeSeconds,
            }),
        ),
      )
      .orderBy('e.updatedAt', 'ASC')
      .limit(limit)
      .getMany();
  }

  private async move(
    id: string,
    from: EmailStatus[],
    changes: QueryDeepPartialEntity<EmailOutbox>,
    manager?: EntityManager,
  ): Promise<boolean> {
    const repo = manager ? manager.getRepository(EmailOutbox) : this.rows;
    const result = await repo
      .createQueryBuilder()
      .update(EmailOutbox)
      .set(changes)
      .where('id = :id', { id })
      .andWhere('status IN (:...from)', { from })
      .execute();
    return result.affected === 1;
  }
}
