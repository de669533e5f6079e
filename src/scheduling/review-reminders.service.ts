import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { Article } from '../articles/article.entity.js';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { changeLines, type ChangeLine } from '../articles/changes-by-heading.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import { inTransaction } from '../core/database/transaction.js';
import { NotificationsService, type OutgoingEmail } from '../notifications/notifications.service.js';
import { deskArticleUrl, deskReReviewUrl, deskReviewUrl } from '../reviews/desk-links.js';
import { formatReviewDate } from '../sign-offs/byline.js';
import type { SignOff } from '../sign-offs/sign-off.entity.js';
import { SignOffsRepository } from '../sign-offs/sign-offs.repository.js';
import { UsersRepository } from '../users/users.repository.js';
import { AssignmentsService } from '../reviews/assignments.service.js';
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

const DAY_MS = 24 * 3600 * 1000;
const QUARTER_HOUR_MS = 15 * 60 * 1000;
/** A day of quarter hours: a sweep window's worth. */
const MAX_DUE_DATE_TEXTS = 96;

/** Sends one re-review reminder and moves the article's clock on to the next one. */
@Injectable()
export class ReviewReminders {
  /** The change lists of the e-mails, by pair of content hashes (never stale: see ChangeLinesCache). */
  readonly changeLinesCache = new ChangeLinesCache();
  /** dueDateText's, by UTC quarter hour. */
  private readonly dueDateTexts = new Map<number, string>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly schedules: ReviewSchedulesRepository,
    private readonly reminders: ReminderQueue,
    private readonly reReviews: ReReviewOpener,
    private readonly articles: ArticlesRepository,
    private readonly signOffs: SignOffsRepository,
    private readonly assignments: AssignmentsService,
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
      const article: ReminderArticle | null = await this.articles.lockIfExists(tx, job.articleId);
      const schedule = await this.schedules.lockByArticle(tx, job.articleId);
      if (!schedule || schedule.signOffId !== job.signOffId || schedule.nextReminderKind !== job.kind)
        return 'skipped';
      const signOff =
        (await this.signOffs.findById(job.signOffId, tx)) ?? (await findAttestedAsSignOff(tx, job.signOffId));
      if (!article || !signOff || article.status === 'archived') {
        await this.schedules.remove(tx, job.articleId);
        return 'skipped';
      }

      // On the due date the re-review opens first: its reviewer is the one reminded.
      if (job.kind === 'due') await this.reReviews.open(tx, ctx, article, signOff);
      const recipient = await this.recipientOf(tx, article.id, schedule.reviewerId);
      const emails = await this.reminderEmails(tx, article, signOff, schedule, job.kind, recipient);
      await this.notifications.queue(tx, ctx, emails, { deliverNow: true });
      const next = followingReminder(job.kind, schedule.dueAt, reminderPlan(this.config));
      // The clock moves on and the audit event is appended in one statement.
      await this.schedules.moveToNextReminder(tx, article.id, next.kind, next.at, (name, source, first) =>
        this.audit.appendPerRowSql(
          name,
          source,
          {
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
          },
          first,
        ),
      );
      this.reminders.enqueueIfInWindow(
        ctx,
        { articleId: article.id, signOffId: signOff.id, kind: next.kind },
        next.at,
      );
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

  /** The open (pending or accepted) assignment of the article, if any, and the person to remind: its reviewer, else
   * `fallbackReviewerId` (who signed). */
  private async recipientOf(
    tx: EntityManager,
    articleId: string,
    fallbackReviewerId: string,
  ): Promise<Recipient> {
    const open = await this.assignments.findOpen(articleId, tx);
    const reviewer = await this.users.findById(open?.reviewerId ?? fallbackReviewerId, tx);
    return { open: open ? { id: open.id } : null, reviewer };
  }

  /**
   * "January 10th, 2026" in the publication's time zone. A run of reminders shares a few due dates' days, so the
   * text is kept by quarter hour: every time zone's offset from UTC is a whole number of quarter hours, so two
   * instants of one UTC quarter hour fall on the same local day.
   */
  private dueDateText(dueAt: Date): string {
    const quarterHour = Math.floor(dueAt.getTime() / QUARTER_HOUR_MS);
    let text = this.dueDateTexts.get(quarterHour);
    if (text === undefined) {
      text = formatReviewDate(dueAt, this.config.env.PUBLICATION_TIMEZONE);
      if (this.dueDateTexts.size >= MAX_DUE_DATE_TEXTS) this.dueDateTexts.clear();
      this.dueDateTexts.set(quarterHour, text);
    }
    return text;
  }

  /**
   * What changed since the revision the reviewer signed, one line per changed place, named by its heading. Both
   * revisions in one statement; the lines are kept by the pair of content hashes (a revision's content never
   * changes, so an entry never goes stale).
   */
  private async changesSince(
    tx: EntityManager,
    article: ReminderArticle,
    signOff: SignOff,
  ): Promise<ChangeLine[]> {
    if (signOff.revisionNumber === article.currentRevision) return [];
    const rows = await this.articles.findRevisionContents(tx, article.id, [
      signOff.revisionNumber,
      article.currentRevision,
    ]);
    const signed = rows.find((row) => row.number === signOff.revisionNumber);
    const current = rows.find((row) => row.number === article.currentRevision);
    if (!signed || !current) return [];
    return this.changeLinesCache.get(signed.contentHash, current.contentHash, () =>
      changeLines(signed.content, current.content),
    );
  }
}
