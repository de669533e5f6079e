import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { Article } from '../articles/article.entity.js';
import { changeLines, type ChangeLine } from '../articles/changes-by-heading.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import { inTransaction } from '../core/database/transaction.js';
import { NotificationsService, type OutgoingEmail } from '../notifications/notifications.service.js';
import { deskArticleUrl, deskReReviewUrl, deskReviewUrl } from '../reviews/desk-links.js';
import { formatReviewDate } from '../sign-offs/byline.js';
import type { SignOff } from '../sign-offs/sign-off.entity.js';
import { UsersRepository } from '../users/users.repository.js';
import { OPEN_ASSIGNMENT } from '../reviews/assignments.repository.js';
import type { ArticleContent } from '../articles/article-content.js';
import { ChangeLinesCache } from './change-lines-cache.js';
import { findAttestedAsSignOff } from '../imports/review-records.js';
import { reminderPlan } from './re-review-clock.js';
import { ReReviewOpener } from './re-review-opener.js';
import { followingReminder, isOverdueKind, type ReminderKind } from './reminder-plan.js';
import { reminderDedupePrefix, ReminderQueue, type ReminderJob } from './reminder-queue.js';
import type { ReviewSchedule } from './review-schedule.entity.js';
import { ReviewSchedulesRepository } from './review-schedules.repository.js';

export type JobOutcome = 'done' | 'skipped';

/** What a reminder reads of its article (locked). */
type ReminderArticle = Pick<Article, 'id' | 'status' | 'title' | 'currentRevision'>;

/** Whom a reminder goes to: the open assignment's reviewer, else the signer (null when the user is gone). */
interface Recipient {
  open: { id: string } | null;
  reviewer: { id: string; email: string; name: string; active: boolean } | null;
}

interface RecipientRow {
  assignment_id: string | null;
  user_id: string | null;
  email: string | null;
  name: string | null;
  active: boolean | null;
}

function recipientFrom(row: RecipientRow | undefined): Recipient {
  return {
    open: row?.assignment_id ? { id: row.assignment_id } : null,
    reviewer: row?.user_id
      ? { id: row.user_id, email: row.email!, name: row.name!, active: row.active! }
      : null,
  };
}

const DAY_MS = 24 * 3600 * 1000;

/** Sends one re-review reminder and moves the article's clock on to the next one. */
@Injectable()
export class ReviewReminders {
  /** The change lists of the e-mails, by pair of content hashes (never stale: see ChangeLinesCache). */
  readonly changeLinesCache = new ChangeLinesCache();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly schedules: ReviewSchedulesRepository,
    private readonly reminders: ReminderQueue,
    private readonly reReviews: ReReviewOpener,
    private readonly users: UsersRepository,
    private readonly notifications: NotificationsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /**
   * Sends one reminder (to the reviewer; overdue ones also to every editor), opens the re-review assignment on
   * the due date, and moves the schedule on to the next reminder, all in one transaction. A reminder whose
   * schedule has moved on (re-reviewed, unpublished, already sent) is skipped.
   */
  async remind(job: ReminderJob): Promise<JobOutcome> {
    const outcome = await this.remindOnce(job);
    // A run of this job that died after its commit (a killed worker) may have left its emails unsent.
    if (outcome === 'skipped') await this.notifications.finishLeftovers(reminderDedupePrefix(job));
    return outcome;
  }

  private remindOnce(job: ReminderJob): Promise<JobOutcome> {
    return inTransaction(this.dataSource, async (tx, ctx) => {
      // Locks in the order signing takes them (the article, then its schedule), or the two deadlock. One
      // statement: a missing article is null here, not an error.
      const articles: ReminderArticle[] = await tx.query(
        `SELECT id, status, title, current_revision AS "currentRevision" FROM articles WHERE id = $1 FOR UPDATE`,
        [job.articleId],
      );
      const article = articles[0] ?? null;
      // The schedule (locked), its sign-off and whom to remind, in one statement.
      const locked = await this.lockSchedule(tx, job.articleId);
      const schedule = locked?.schedule;
      if (!schedule || schedule.signOffId !== job.signOffId || schedule.nextReminderKind !== job.kind)
        return 'skipped';
      const signOff = locked.signOff ?? (await findAttestedAsSignOff(tx, job.signOffId));
      if (!article || !signOff || article.status === 'archived') {
        await this.schedules.remove(tx, job.articleId);
        return 'skipped';
      }

      let recipient = locked.recipient;
      if (job.kind === 'due') {
        await this.reReviews.open(tx, ctx, article, signOff);
        // The assignment just opened (if any) names the reviewer now.
        recipient = await this.recipientOf(tx, article.id, schedule.reviewerId);
      }
      const emails = await this.reminderEmails(tx, article, signOff, schedule, job.kind, recipient);
      await this.notifications.queue(tx, ctx, emails, { deliverNow: true });
      const next = followingReminder(job.kind, schedule.dueAt, reminderPlan(this.config));
      await this.schedules.moveToNextReminder(tx, article.id, next.kind, next.at);
      this.reminders.enqueueIfInWindow(
        ctx,
        { articleId: article.id, signOffId: signOff.id, kind: next.kind },
        next.at,
      );
      // Last: the audit chain lock is held until commit, so take it as late as possible.
      await this.audit.record(tx, {
        actorId: null,
        action: 'review.reminder_sent',
        entityType: 'article',
        entityId: article.id,
        articleId: article.id,
        after: {
          kind: job.kind,
          signOffId: signOff.id,
          dueAt: schedule.dueAt,
          recipients: emails.map((e) => e.to.address),
        },
      });
      return 'done';
    });
  }

  private async reminderEmails(
    tx: EntityManager,
    article: ReminderArticle,
    signOff: SignOff,
    schedule: ReviewSchedule,
    kind: ReminderKind,
    { open, reviewer }: Recipient,
  ): Promise<OutgoingEmail[]> {
    const now = this.clock.now();
    const dueDateText = this.dueDateText(schedule.dueAt);
    const days = Math.round((schedule.dueAt.getTime() - now.getTime()) / DAY_MS);
    const overdue = isOverdueKind(kind);
    const daysText =
      days > 0
        ? `in ${days} day${days === 1 ? '' : 's'}`
        : days === 0
          ? 'today'
          : `${-days} day${days === -1 ? '' : 's'} ago`;
    const base = this.config.env.PUBLIC_BASE_URL;
    // The open review's page; before the due date, the page where the last signer starts the re-review early.
    const reviewUrl = open ? deskReviewUrl(base, open.id) : deskReReviewUrl(base, article.id);
    const changes = await this.changesSince(tx, article, signOff);
    const prefix = reminderDedupePrefix({ articleId: article.id, signOffId: signOff.id, kind });
    const emails: OutgoingEmail[] = [];
    if (reviewer?.active) {
      emails.push({
        dedupeKey: `${prefix}${reviewer.id}`,
        template: 'review-reminder',
        to: { address: reviewer.email, userId: reviewer.id },
        articleId: article.id,
        context: {
          recipientName: reviewer.name,
          articleTitle: article.title,
          dueDateText,
          daysText,
          overdue,
          changes,
          reviewUrl,
        },
      });
    }
    if (overdue) {
      for (const editor of await this.users.findActiveByRole('editor', tx)) {
        emails.push({
          dedupeKey: `${prefix}${editor.id}`,
          template: 'overdue-escalation',
          to: { address: editor.email, userId: editor.id },
          articleId: article.id,
          context: {
            recipientName: editor.name,
            articleTitle: article.title,
            reviewerName: reviewer?.name ?? signOff.reviewerDisplayName,
            dueDateText,
            daysOverdue: Math.max(0, -days),
            reviewUrl: deskArticleUrl(base, article.id),
          },
        });
      }
    }
    return emails;
  }

  /**
   * The article's schedule, locked for the rest of the transaction (after the article: see remindOnce), with
   * the e-signed sign-off it points at (null for an attested review or a sign-off that is gone) and whom to
   * remind (`recipientOf`), in one statement instead of four. Null when the article has no schedule.
   */
  private async lockSchedule(
    tx: EntityManager,
    articleId: string,
  ): Promise<{ schedule: ReviewSchedule; signOff: SignOff | null; recipient: Recipient } | null> {
    const rows: (RecipientRow & {
      article_id: string;
      sign_off_id: string;
      reviewer_id: string;
      signed_at: Date;
      due_at: Date;
      next_reminder_kind: ReminderKind;
      next_reminder_at: Date;
      updated_at: Date;
      so_id: string | null;
      so_article_id: string;
      so_revision_number: number;
      so_content_hash: string;
      so_reviewer_id: string;
      so_decision_id: string;
      so_display_name: string;
      so_credentials: string;
      so_affiliation: string;
      so_license_number: string;
      so_license_region: string;
      so_license_expires_on: string;
      so_meaning: string;
      so_signed_at: Date;
    })[] = await tx.query(
      `SELECT s.article_id, s.sign_off_id, s.reviewer_id, s.signed_at, s.due_at, s.next_reminder_kind,
              s.next_reminder_at, s.updated_at,
              so.id AS so_id, so.article_id AS so_article_id, so.revision_number AS so_revision_number,
              so.content_hash AS so_content_hash, so.reviewer_id AS so_reviewer_id,
              so.decision_id AS so_decision_id, so.reviewer_display_name AS so_display_name,
              so.reviewer_credentials AS so_credentials, so.reviewer_affiliation AS so_affiliation,
              so.license_number AS so_license_number, so.license_region AS so_license_region,
              so.license_expires_on::text AS so_license_expires_on, so.meaning AS so_meaning,
              so.signed_at AS so_signed_at,
              a.id AS assignment_id, u.id AS user_id, u.email, u.name, u.active
         FROM review_schedules s
         LEFT JOIN sign_offs so ON so.id = s.sign_off_id
         LEFT JOIN LATERAL (SELECT id, reviewer_id FROM assignments
                             WHERE article_id = s.article_id AND status = ANY($2::varchar[]) LIMIT 1) AS a ON true
         LEFT JOIN users u ON u.id = COALESCE(a.reviewer_id, s.reviewer_id)
        WHERE s.article_id = $1
          FOR UPDATE OF s`,
      [articleId, OPEN_ASSIGNMENT],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      schedule: {
        articleId: row.article_id,
        signOffId: row.sign_off_id,
        reviewerId: row.reviewer_id,
        signedAt: row.signed_at,
        dueAt: row.due_at,
        nextReminderKind: row.next_reminder_kind,
        nextReminderAt: row.next_reminder_at,
        updatedAt: row.updated_at,
      },
      signOff: row.so_id
        ? {
            id: row.so_id,
            articleId: row.so_article_id,
            revisionNumber: row.so_revision_number,
            contentHash: row.so_content_hash,
            reviewerId: row.so_reviewer_id,
            decisionId: row.so_decision_id,
            reviewerDisplayName: row.so_display_name,
            reviewerCredentials: row.so_credentials,
            reviewerAffiliation: row.so_affiliation,
            licenseNumber: row.so_license_number,
            licenseRegion: row.so_license_region,
            licenseExpiresOn: row.so_license_expires_on,
            meaning: row.so_meaning,
            signedAt: row.so_signed_at,
          }
        : null,
      recipient: recipientFrom(row),
    };
  }

  /**
   * The open (pending or accepted) assignment of the article, if any, and the person to remind: its reviewer, else
   * `fallbackReviewerId` (who signed). One statement instead of one for each.
   */
  private async recipientOf(tx: EntityManager, articleId: string, fallbackReviewerId: string): Promise<Recipient> {
    const rows: RecipientRow[] = await tx.query(
      `SELECT a.id AS assignment_id, u.id AS user_id, u.email, u.name, u.active
         FROM (SELECT 1) AS one
         LEFT JOIN LATERAL (SELECT id, reviewer_id FROM assignments
                             WHERE article_id = $1 AND status = ANY($3::varchar[]) LIMIT 1) AS a ON true
         LEFT JOIN users u ON u.id = COALESCE(a.reviewer_id, $2::uuid)`,
      [articleId, fallbackReviewerId, OPEN_ASSIGNMENT],
    );
    return recipientFrom(rows[0]);
  }

  /** "January 10th, 2026" in the publication's time zone; a run of reminders shares a few due dates' days. */
  private dueDateText(dueAt: Date): string {
    return formatReviewDate(dueAt, this.config.env.PUBLICATION_TIMEZONE);
  }

  /**
   * What changed since the revision the reviewer signed, one line per changed place, named by its heading. Both
   * revisions in one statement; the lines are kept by the pair of content hashes (a revision's content never
   * changes, so an entry never goes stale).
   */
  private async changesSince(tx: EntityManager, article: ReminderArticle, signOff: SignOff): Promise<ChangeLine[]> {
    if (signOff.revisionNumber === article.currentRevision) return [];
    const rows: { number: number; content_hash: string; content: ArticleContent }[] = await tx.query(
      `SELECT number, content_hash, content FROM revisions WHERE article_id = $1 AND number = ANY($2::int[])`,
      [article.id, [signOff.revisionNumber, article.currentRevision]],
    );
    const signed = rows.find((row) => row.number === signOff.revisionNumber);
    const current = rows.find((row) => row.number === article.currentRevision);
    if (!signed || !current) return [];
    return this.changeLinesCache.get(signed.content_hash, current.content_hash, () =>
      changeLines(signed.content, current.content),
    );
  }
}
