import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { Article } from '../articles/article.entity.js';
import type { ArticleContent } from '../articles/article-content.js';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { changeLines, type ChangeLine } from '../articles/changes-by-heading.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import { inTransaction } from '../core/database/transaction.js';
import { GroupedCalls } from '../core/queues/grouped-calls.js';
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

/** A revision's content and hash, as the reminder reads them. */
interface RevisionContent {
  contentHash: string;
  content: ArticleContent;
}

/** One reminder to send, with everything its e-mails say. */
interface Reminder {
  job: ReminderJob;
  article: ReminderArticle;
  signOff: SignOff;
  schedule: ReviewSchedule;
  recipient: Recipient;
  changes: ChangeLine[];
}

/** What a group wrote for one job: its outcome and its new e-mails to send; 'alone' to write it by itself. */
type GroupOutcome = { outcome: JobOutcome; emailIds: string[] } | 'alone';

/** Reminders written in one transaction at most (a worker runs WORKER_CONCURRENCY jobs at once, 8 by default). */
const MAX_GROUP = 32;

/** The audit event of a reminder sent, but for its article and what it says. */
const REMINDER_EVENT = { actorId: null, action: 'review.reminder_sent', entityType: 'article' } as const;

/** What the audit event of a reminder sent records. */
function sentEvent({ job, signOff, schedule }: Reminder, emails: readonly OutgoingEmail[]) {
  return {
    kind: job.kind,
    signOffId: signOff.id,
    dueAt: schedule.dueAt,
    recipients: emails.map((email) => email.to.address),
  };
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
  private readonly logger = new Logger('Reminders');
  /** The reminders being written, grouped (see remind). */
  private readonly groups = new GroupedCalls<ReminderJob, GroupOutcome>(
    (jobs) => this.writeGroup(jobs),
    MAX_GROUP,
  );

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
   *
   * Reminders asked for while others are being written (a worker runs several jobs at once) are written together:
   * one transaction and one round of statements for the group (see remindGroup), each job then sending its own
   * e-mails. A group that fails is not retried as a group: each of its reminders is then written alone, so one
   * bad reminder fails only its own job.
   */
  async remind(job: ReminderJob): Promise<JobOutcome> {
    let written = await this.groups.call(job);
    // Its group failed: written again as a group of its own, whose failure is this job's.
    if (written === 'alone') [written] = await this.remindGroup([job]);
    if (written === 'alone') throw new Error('a group of one reminder cannot leave it alone');
    const { outcome, emailIds } = written;
    await this.notifications.deliver(emailIds);
    // A run of this job that died after its commit (a killed worker) may have left its emails unsent.
    if (outcome === 'skipped') await this.notifications.finishLeftovers(reminderDedupePrefix(job));
    return outcome;
  }

  /** The group's reminders written, or 'alone' for every one of them when a group of several failed. */
  private async writeGroup(jobs: ReminderJob[]): Promise<GroupOutcome[]> {
    try {
      return await this.remindGroup(jobs);
    } catch (error) {
      // A reminder alone fails as it always did: its job is retried.
      if (jobs.length === 1) throw error;
      this.logger.warn(
        `a group of ${jobs.length} reminders failed (${(error as Error).message}); writing each alone`,
      );
      return jobs.map(() => 'alone');
    }
  }

  /**
   * A group of reminders in one transaction, with one statement per step for the whole group: the
   * articles locked (in id order, then their schedules, as signing takes them), the sign-offs, open assignments,
   * reviewers and revisions read, every e-mail inserted, every clock moved with its audit event. The e-mails are
   * not sent here: each job sends its own (`emailIds`) once the group committed. A second reminder of an article
   * already in the group is written alone after it, as a group of one.
   */
  private remindGroup(jobs: ReminderJob[]): Promise<GroupOutcome[]> {
    return inTransaction(this.dataSource, async (tx, ctx) => {
      // By position: the same job may be asked for twice.
      const outcomes: GroupOutcome[] = jobs.map(() => ({ outcome: 'skipped', emailIds: [] }));
      const byArticle = new Map<string, { job: ReminderJob; index: number }>();
      jobs.forEach((job, index) => {
        if (byArticle.has(job.articleId)) outcomes[index] = 'alone';
        else byArticle.set(job.articleId, { job, index });
      });
      const articleIds = [...byArticle.keys()];
      const articles = await this.articles.lockManyIfExist(tx, articleIds);
      const schedules = await this.schedules.lockManyByArticle(tx, articleIds);
      const current = [...byArticle.values()].filter(({ job }) => {
        const schedule = schedules.get(job.articleId);
        return schedule?.signOffId === job.signOffId && schedule.nextReminderKind === job.kind;
      });
      const signOffs = await this.signOffs.findManyById(
        current.map(({ job }) => job.signOffId),
        tx,
      );
      const due: Omit<Reminder, 'recipient' | 'changes'>[] = [];
      /** The position in `jobs` of each of `due`. */
      const positions: number[] = [];
      for (const { job, index } of current) {
        const article: ReminderArticle | undefined = articles.get(job.articleId);
        const signOff = signOffs.get(job.signOffId) ?? (await findAttestedAsSignOff(tx, job.signOffId));
        if (!article || !signOff || article.status === 'archived') {
          await this.schedules.remove(tx, job.articleId);
          continue;
        }
        if (job.kind === 'due') await this.reReviews.open(tx, ctx, article, signOff);
        due.push({ job, article, signOff, schedule: schedules.get(job.articleId)! });
        positions.push(index);
      }

      const reminders = await this.withRecipientsAndChanges(tx, due);
      const editors = reminders.some((reminder) => isOverdueKind(reminder.job.kind))
        ? await this.users.findActiveByRole('editor', tx)
        : [];
      const emails = reminders.map((reminder) => this.reminderEmails(reminder, editors));
      const emailIds = await this.notifications.queueGroups(tx, emails);
      const nexts = reminders.map((reminder) => this.nextOf(reminder));
      await this.schedules.moveManyToNextReminder(
        tx,
        reminders.map((reminder, index) => ({
          articleId: reminder.article.id,
          kind: nexts[index].kind,
          at: nexts[index].at,
          after: sentEvent(reminder, emails[index]),
        })),
        (name, source, first) => this.audit.appendRowsSql(name, source, REMINDER_EVENT, first),
      );
      reminders.forEach(({ article, signOff }, index) => {
        this.reminders.enqueueIfInWindow(
          ctx,
          { articleId: article.id, signOffId: signOff.id, kind: nexts[index].kind },
          nexts[index].at,
        );
        outcomes[positions[index]] = { outcome: 'done', emailIds: emailIds[index] };
      });
      return outcomes;
    });
  }

  /** The reminders with whom each goes to and what changed since its sign-off: a few statements for all. */
  private async withRecipientsAndChanges(
    tx: EntityManager,
    reminders: Omit<Reminder, 'recipient' | 'changes'>[],
  ): Promise<Reminder[]> {
    if (!reminders.length) return [];
    const opens = await this.assignments.findOpenOf(
      tx,
      reminders.map(({ article }) => article.id),
    );
    const reviewerOf = (reminder: Omit<Reminder, 'recipient' | 'changes'>) =>
      opens.get(reminder.article.id)?.reviewerId ?? reminder.schedule.reviewerId;
    const users = await this.users.findManyById([...new Set(reminders.map(reviewerOf))], tx);
    const changed = reminders.filter(
      ({ article, signOff }) => signOff.revisionNumber !== article.currentRevision,
    );
    const contents = await this.articles.findRevisionContentsOf(
      tx,
      changed.flatMap(({ article, signOff }) => [
        { articleId: article.id, number: signOff.revisionNumber },
        { articleId: article.id, number: article.currentRevision },
      ]),
    );
    const content = new Map(contents.map((row) => [`${row.articleId}:${row.number}`, row]));
    return reminders.map((reminder) => {
      const open = opens.get(reminder.article.id);
      const signed = content.get(`${reminder.article.id}:${reminder.signOff.revisionNumber}`);
      const current = content.get(`${reminder.article.id}:${reminder.article.currentRevision}`);
      return {
        ...reminder,
        recipient: { open: open ? { id: open.id } : null, reviewer: users.get(reviewerOf(reminder)) ?? null },
        changes: this.changeLinesOf(reminder.signOff, reminder.article, signed, current),
      };
    });
  }

  /** When the next reminder of the schedule is due, and which. */
  private nextOf({ job, schedule }: Pick<Reminder, 'job' | 'schedule'>): { kind: ReminderKind; at: Date } {
    return followingReminder(job.kind, schedule.dueAt, reminderPlan(this.config));
  }

  private reminderEmails(
    { job, article, signOff, schedule, recipient, changes }: Reminder,
    editors: readonly { id: string; email: string; name: string }[],
  ): OutgoingEmail[] {
    const { open, reviewer } = recipient;
    const kind = job.kind;
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
      for (const editor of editors) {
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
   * The change lines between the signed and the current revision (none when they are one, or one is missing),
   * kept by the pair of content hashes (a revision's content never changes, so an entry never goes stale).
   */
  private changeLinesOf(
    signOff: SignOff,
    article: ReminderArticle,
    signed: RevisionContent | undefined,
    current: RevisionContent | undefined,
  ): ChangeLine[] {
    if (signOff.revisionNumber === article.currentRevision || !signed || !current) return [];
    return this.changeLinesCache.get(signed.contentHash, current.contentHash, () =>
      changeLines(signed.content, current.content),
    );
  }
}
