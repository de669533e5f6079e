import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, EntityManager, type QueryDeepPartialEntity, Repository } from 'typeorm';
import { EmailOutbox, type EmailStatus } from './email-outbox.entity.js';

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
  constructor(@InjectRepository(EmailOutbox) private readonly rows: Repository<EmailOutbox>) {}

  /** Inserts in the caller's transaction; rows whose dedupe key already exists are skipped. Ids of new rows. */
  async insertNew(tx: EntityManager, rows: NewOutboxRow[]): Promise<string[]> {
    const inserted: { id: string }[] = await tx.query(
      `INSERT INTO email_outbox (dedupe_key, template, to_address, to_user_id, article_id, context)
       SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::uuid[], $5::uuid[], $6::jsonb[])
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING id`,
      [
        rows.map((row) => row.dedupeKey),
        rows.map((row) => row.template),
        rows.map((row) => row.toAddress),
        rows.map((row) => row.toUserId),
        rows.map((row) => row.articleId),
        rows.map((row) => JSON.stringify(row.context)),
      ],
    );
    return inserted.map((row) => row.id);
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
   * pending → sending, counting the attempt, and returns what the send needs, in one statement. Null when
   * the row is not pending (sent, someone else's, or gone): read it to find out which.
   */
  async claimForSending(id: string, messageId: string): Promise<ClaimedEmail | null> {
    const rows: {
      template: string;
      to_address: string;
      context: Record<string, unknown>;
      attempts: number;
    }[] = await this.rows.query(
      // As a CTE, so the driver answers with the rows (an UPDATE's answer is [rows, count]).
      `WITH claimed AS (
           UPDATE email_outbox
              SET status = 'sending', attempts = attempts + 1, message_id = $2, updated_at = now()
            WHERE id = $1 AND status = 'pending'
            RETURNING template, to_address, context, attempts)
         SELECT * FROM claimed`,
      [id, messageId],
    );
    const row = rows[0];
    return row
      ? {
          id,
          template: row.template,
          toAddress: row.to_address,
          context: row.context,
          attempts: row.attempts,
        }
      : null;
  }

  /** The mail server accepted it. A row an overlapping attempt marked unknown is resolved too. */
  markSent(id: string, sentAt: Date, messageId: string | null, manager?: EntityManager): Promise<boolean> {
    return this.move(
      id,
      ['sending', 'unknown'],
      { status: 'sent', sentAt, ...(messageId ? { messageId } : {}) },
      manager,
    );
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
