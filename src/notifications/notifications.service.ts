import { Injectable, Logger, Optional } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import type { EntityManager } from 'typeorm';
import type { TransactionContext } from '../core/database/transaction.js';
import { EmailJobs } from './email-jobs.js';
import { EmailOutboxRepository, type NewOutboxRow } from './email-outbox.repository.js';
import { EmailSender } from './email-sender.js';
import { isEmailTemplate } from './email-templates.js';

export type EmailTemplate =
  | 'review-requested'
  | 'review-declined'
  | 'changes-requested'
  | 'approved'
  | 'ready-to-publish'
  | 'review-reminder'
  | 'overdue-escalation'
  | 'digest'
  | 'invitation'
  | 'password-reset'
  | 'licence-expiry';

export interface OutgoingEmail {
  /** e.g. `reminder:${articleId}:${signOffId}:P30D:${userId}`; unique forever: a second email with it is dropped. */
  dedupeKey: string;
  template: EmailTemplate;
  to: { address: string; userId?: string | null };
  articleId?: string | null;
  /** The template's context (plain JSON); see EMAIL_TEMPLATE_KEYS for the keys each template needs. */
  context: Record<string, unknown>;
}

export interface QueueOptions {
  /**
   * Send right after the commit, in this process, instead of through one SendEmail job per row: for work
   * that already runs in a worker (reminders). A send that fails goes to the queue for its retries; a row whose
   * process dies before sending stays pending and the outbox relay enqueues it. Ignored in API processes.
   */
  deliverNow?: boolean;
}

/** The first retry of a row whose immediate send failed waits this long (then the job's own backoff). */
const RETRY_AFTER_IMMEDIATE_FAILURE_MS = 1000;

const MAX_DEDUPE_KEY_LENGTH = 300;
const MAX_ADDRESS_LENGTH = 254;

/** The one way to send email: an outbox row written with the change that causes it, delivered by a worker. */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger('Notifications');

  constructor(
    private readonly outbox: EmailOutboxRepository,
    private readonly jobs: EmailJobs,
    /** Present in worker processes only. */
    @Optional() private readonly sender?: EmailSender,
  ) {}

  /**
   * Inserts outbox rows in the caller's transaction (a dedupe key already used is skipped) and, once that
   * transaction commits, enqueues one SendEmail job per new row. Returns the number of rows inserted.
   */
  async queue(
    tx: EntityManager,
    ctx: TransactionContext,
    emails: OutgoingEmail[],
    options: QueueOptions = {},
  ): Promise<number> {
    if (!emails.length) return 0;
    emails.forEach(assertWellFormed);
    const ids = await this.outbox.insertNew(tx, emails.map(outboxRow));
    if (ids.length) {
      const sender = options.deliverNow ? this.sender : undefined;
      ctx.afterCommit(() => (sender ? this.deliverNow(sender, ids) : this.jobs.enqueue(ids)));
    }
    return ids.length;
  }

  /**
   * As `queue` for several callers' emails in one insert, without sending: the ids of each group's new rows (in
   * the order of `groups`; a dedupe key already used is skipped), for `deliver` once the transaction committed.
   */
  async queueGroups(tx: EntityManager, groups: readonly OutgoingEmail[][]): Promise<string[][]> {
    const emails = groups.flat();
    if (!emails.length) return groups.map(() => []);
    emails.forEach(assertWellFormed);
    const inserted = await this.outbox.insertNewKeyed(tx, emails.map(outboxRow));
    const idByKey = new Map(inserted.map((row) => [row.dedupeKey, row.id]));
    return groups.map((group) => group.flatMap((email) => idByKey.get(email.dedupeKey) ?? []));
  }

  /**
   * Delivers rows that `queueGroups` wrote, once their transaction committed: sent now in a worker process (a
   * failed send goes to the queue for its retries), through one SendEmail job per row elsewhere. Never throws: a
   * row left pending (Redis down) is enqueued by the outbox relay, as for `queue`.
   */
  async deliver(ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    try {
      await (this.sender ? this.deliverNow(this.sender, [...ids]) : this.jobs.enqueue([...ids]));
    } catch (error) {
      this.logger.warn(`emails left for the outbox relay: ${(error as Error).message}`);
    }
  }

  /**
   * Finishes what a reminder job that died after its commit left behind (worker processes only): its rows
   * (dedupe keys starting with `dedupeKeyPrefix`) still pending are sent, and any left `sending` are marked
   * unknown for a person, exactly as their SendEmail job would have. Returns how many rows it found.
   */
  async finishLeftovers(dedupeKeyPrefix: string): Promise<number> {
    if (!this.sender) return 0;
    const ids = await this.outbox.findUnfinished(dedupeKeyPrefix);
    await this.deliverNow(this.sender, ids);
    return ids.length;
  }

  /** Sends each row now; the ones that failed in a retryable way go to the queue (they are pending again). */
  private async deliverNow(sender: EmailSender, ids: string[]): Promise<void> {
    const retry: string[] = [];
    for (const id of ids) {
      try {
        await sender.send(id);
      } catch (error) {
        // Unrecoverable: the row is now failed or unknown, for a person. Anything else is worth another try.
        if (!(error instanceof UnrecoverableError)) retry.push(id);
      }
    }
    await this.jobs.enqueue(retry, { delay: RETRY_AFTER_IMMEDIATE_FAILURE_MS });
  }
}

/** The outbox row of an email. */
function outboxRow(email: OutgoingEmail): NewOutboxRow {
  return {
    dedupeKey: email.dedupeKey,
    template: email.template,
    toAddress: email.to.address,
    toUserId: email.to.userId ?? null,
    articleId: email.articleId ?? null,
    context: email.context,
  };
}

/** A malformed email is a bug in the caller: refuse it loudly, inside its transaction. */
function assertWellFormed(email: OutgoingEmail): void {
  const problems: string[] = [];
  if (!email.dedupeKey || email.dedupeKey.length > MAX_DEDUPE_KEY_LENGTH)
    problems.push(`dedupeKey must be 1-${MAX_DEDUPE_KEY_LENGTH} characters`);
  if (!isEmailTemplate(email.template))
    problems.push(`there is no email template "${String(email.template)}"`);
  const address = email.to?.address ?? '';
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(address) || address.length > MAX_ADDRESS_LENGTH)
    problems.push(`"${address}" is not an email address`);
  if (typeof email.context !== 'object' || email.context === null || Array.isArray(email.context))
    problems.push('context must be an object');
  if (problems.length) {
    throw new Error(`Cannot queue email ${email.dedupeKey}: ${problems.join('; ')}`);
  }
}
