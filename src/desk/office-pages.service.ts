import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import type { Article } from '../articles/article.entity.js';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { AuditService } from '../audit/audit.service.js';
import { type AuthUser, hasRole } from '../auth/auth-user.js';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import { ApiError } from '../core/http/api-error.js';
import { PublishingDesk } from '../publishing/publishing-desk.service.js';
import { LivePages } from '../publishing/live-pages.service.js';
import { PublishGate } from '../publishing/publish-gate.js';
import { PublishingService } from '../publishing/publishing.service.js';
import { ScheduledPublishing } from '../publishing/scheduled-publishing.service.js';
import { AssignmentsRepository } from '../reviews/assignments.repository.js';
import { AssignmentsService } from '../reviews/assignments.service.js';
import type { CreateAssignmentDto } from '../reviews/reviews.dto.js';
import { OverdueReviews } from '../scheduling/overdue-reviews.service.js';
import { ReviewPolicyService } from '../scheduling/review-policy.service.js';
import { formatReviewDate } from '../sign-offs/byline.js';
import type { Role } from '../users/user.entity.js';
import { UsersRepository } from '../users/users.repository.js';

const DAY_MS = 24 * 3600 * 1000;
/** Each list of the dashboards shows at most this many rows, and says when there are more. */
export const LIST_CAP = 25;
/** Re-reviews due within this many days are listed as "due soon". */
const DUE_SOON_DAYS = 30;

export interface DateView {
  iso: string;
  text: string;
}

export interface CappedList<T> {
  rows: T[];
  more: boolean;
}

export interface ArticleRow {
  id: string;
  title: string;
  specialty: string;
  revision: number;
  writerName: string;
  updated: DateView;
}

/** Who may open the editor's and the publisher's pages (the same roles the JSON API asks for). */
export const OFFICE_ROLES = {
  editor: ['editor'],
  timeline: ['editor', 'admin'],
  publisher: ['publisher'],
  exports: ['publisher', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

/** What an audit action means on an article's timeline. */
const TIMELINE_KINDS: Record<string, string> = {
  'article.created': 'Revision',
  'article.edited': 'Revision',
  'article.submitted': 'Submission',
  'article.withdrawn': 'Submission',
  'assignment.created': 'Assignment',
  'assignment.accepted': 'Assignment',
  'assignment.declined': 'Assignment',
  'assignment.cancelled': 'Assignment',
  'assignment.completed': 'Assignment',
  'review.approved': 'Decision',
  'review.changes_requested': 'Decision',
  'sign_off.created': 'Sign-off',
  'article.published': 'Publication',
  'article.rerendered': 'Publication',
  'article.unpublished': 'Publication',
  'article.publish_scheduled': 'Publication',
  'article.scheduled_publish_cancelled': 'Publication',
  'article.scheduled_publish_refused': 'Publication',
  'review_policy.article_changed': 'Policy',
};

type Json = Record<string, unknown>;

/**
 * The editor's and the publisher's desk pages (issue 14): each method checks the caller's role and gathers one
 * page from the services and repositories other modules export (articles, reviews, scheduling, publishing,
 * audit, users); each action calls the service the JSON API calls. The page controllers only render.
 */
@Injectable()
export class OfficePagesService {
  constructor(
    private readonly articles: ArticlesRepository,
    private readonly assignmentsRepo: AssignmentsRepository,
    private readonly assignments: AssignmentsService,
    private readonly overdue: OverdueReviews,
    private readonly policies: ReviewPolicyService,
    private readonly publishing: PublishingService,
    private readonly gate: PublishGate,
    private readonly schedules: ScheduledPublishing,
    private readonly takeDown: LivePages,
    private readonly publishingDesk: PublishingDesk,
    private readonly audit: AuditService,
    private readonly users: UsersRepository,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  private get timeZone(): string {
    return this.config.env.PUBLICATION_TIMEZONE;
  }

  /** 403 unless the person holds one of the roles. */
  requireRole(user: AuthUser, roles: readonly Role[]): void {
    if (!hasRole(user, ...roles)) {
      throw ApiError.forbidden(`This page is for the ${roles.join(' and ')} role; you do not hold it`);
    }
  }

  date(instant: Date): DateView {
    return { iso: instant.toISOString(), text: formatReviewDate(instant, this.timeZone) };
  }

  dateTime(instant: Date): DateView {
    const local = DateTime.fromJSDate(instant, { zone: this.timeZone });
    return {
      iso: instant.toISOString(),
      text: `${formatReviewDate(instant, this.timeZone)}, ${local.toFormat('h:mm a ZZZZ')}`,
    };
  }

  private async names(ids: (string | null | undefined)[]): Promise<Map<string, string>> {
    const unique = [...new Set(ids.filter((id): id is string => !!id))];
    const users = await Promise.all(unique.map((id) => this.users.findById(id)));
    return new Map(users.filter((u) => !!u).map((u) => [u.id, u.name]));
  }

  private async articlesIn(status: string, limit: number): Promise<Article[]> {
    return (await this.articles.list({ status, limit })).map((row) => row.article);
  }

  private async articleRows(list: Article[]): Promise<ArticleRow[]> {
    const names = await this.names(list.map((a) => a.authorId));
    return list.map((a) => ({
      id: a.id,
      title: a.title,
      specialty: a.specialty,
      revision: a.currentRevision,
      writerName: names.get(a.authorId) ?? 'unknown',
      updated: this.date(a.updatedAt),
    }));
  }

  private capped<T>(rows: T[]): CappedList<T> {
    return { rows: rows.slice(0, LIST_CAP), more: rows.length > LIST_CAP };
  }

  private async article(id: string): Promise<Article> {
    const article = await this.articles.findById(id);
    if (!article) throw ApiError.notFound('Article');
    return article;
  }

  // --- Editor ---------------------------------------------------------------------------------------------

  async editorDashboard(user: AuthUser) {
    this.requireRole(user, OFFICE_ROLES.editor);
    const now = this.clock.now();
    const [inReview, changes, approved, reReviews, reviewers] = await Promise.all([
      this.articlesIn('in_review', 200),
      this.articlesIn('changes_requested', LIST_CAP + 1),
      this.articlesIn('approved', LIST_CAP + 1),
      this.overdue.dueRows(new Date(now.getTime() + DUE_SOON_DAYS * DAY_MS), 'all', LIST_CAP + 1),
      this.users.findActiveByRole('reviewer'),
    ]);
    const open = await this.assignmentsRepo.findOpenForArticles(inReview.map((a) => a.id));
    const waiting = inReview.filter((a) => !open.has(a.id));
    const assigned = inReview.filter((a) => open.has(a.id));
    const counts = await this.assignments.openCounts(reviewers.map((r) => r.id));
    const reviewerNames = await this.names([...open.values()].map((o) => o.reviewerId));
    const assignedRows = (await this.articleRows(assigned)).map((row) => {
      const assignment = open.get(row.id)!;
      return {
        ...row,
        reviewerName: reviewerNames.get(assignment.reviewerId) ?? 'unknown',
        assignmentStatus: assignment.status,
        due: this.date(assignment.dueAt),
        late: assignment.dueAt.getTime() < now.getTime(),
      };
    });
    const reReviewRows = reReviews.map((row) => ({
      articleId: row.articleId,
      title: row.title,
      reviewerName: row.lastReviewer.displayName,
      due: this.date(row.dueAt),
      overdue: row.status === 'overdue',
      daysOverdue: row.daysOverdue,
      assigned: row.openAssignmentId !== null,
    }));
    const workload = reviewers
      .map((r) => ({ id: r.id, name: r.name, open: counts.get(r.id) ?? 0 }))
      .sort((a, b) => b.open - a.open || a.name.localeCompare(b.name));
    return {
      waiting: this.capped(await this.articleRows(waiting)),
      inReview: this.capped(assignedRows),
      changesRequested: this.capped(await this.articleRows(changes)),
      approved: this.capped(await this.articleRows(approved)),
      overdue: this.capped(reReviewRows.filter((r) => r.overdue)),
      dueSoon: this.capped(reReviewRows.filter((r) => !r.overdue)),
      workload,
      cap: LIST_CAP,
    };
  }

  /** The assign/reassign page: the current assignment, the automatic choice preselected, every reviewer. */
  async assignPage(user: AuthUser, articleId: string) {
    this.requireRole(user, OFFICE_ROLES.editor);
    const article = await this.article(articleId);
    const [current, suggestion, reviewers] = await Promise.all([
      this.assignments.findOpen(articleId),
      this.assignments.suggestReviewer(articleId),
      this.users.findActiveByRole('reviewer'),
    ]);
    const profiles = new Map(
      (await this.users.findProfiles(reviewers.map((r) => r.id))).map((p) => [p.userId, p]),
    );
    const counts = await this.assignments.openCounts(reviewers.map((r) => r.id));
    const currentName = current ? (await this.names([current.reviewerId])).get(current.reviewerId) : null;
    return {
      article: {
        id: article.id,
        title: article.title,
        specialty: article.specialty,
        status: article.status,
        revision: article.currentRevision,
      },
      current: current
        ? {
            reviewerId: current.reviewerId,
            reviewerName: currentName ?? 'unknown',
            status: current.status,
            due: this.date(current.dueAt),
          }
        : null,
      suggestion:
        suggestion.reviewerId === null
          ? { reviewerId: null, reason: suggestion.reason }
          : { reviewerId: suggestion.reviewerId, reason: null },
      reviewers: reviewers.map((r) => {
        const profile = profiles.get(r.id);
        return {
          id: r.id,
          name: r.name,
          specialties: profile?.specialties.join(', ') ?? 'no reviewer profile',
          licenceExpires: profile?.licenseExpiresOn ?? null,
          open: counts.get(r.id) ?? 0,
        };
      }),
    };
  }

  /**
   * The due date typed in the form (a calendar day) as the end of that day in the publication's time zone, in
   * ISO 8601, for the API's DTO; '' means the default; anything else is passed on for the DTO to refuse.
   */
  dueAtFromForm(value: string): string | undefined {
    if (value === '') return undefined;
    const day = DateTime.fromISO(value, { zone: this.timeZone });
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !day.isValid) {
      throw ApiError.badRequest('Invalid request: check dueAt', [
        { field: 'dueAt', reason: 'must be a date (YYYY-MM-DD)' },
      ]);
    }
    return day.endOf('day').toUTC().toISO();
  }

  async policiesPage(user: AuthUser) {
    this.requireRole(user, OFFICE_ROLES.editor);
    const { default: fallback, specialties } = await this.policies.list();
    const names = await this.names(specialties.map((s) => s.updatedById));
    return {
      defaultCadence: fallback,
      policies: specialties.map((p) => ({
        specialty: p.specialty,
        cadence: p.cadence,
        updatedBy: names.get(p.updatedById ?? '') ?? '',
      })),
    };
  }

  async timeline(user: AuthUser, articleId: string) {
    this.requireRole(user, OFFICE_ROLES.timeline);
    const article = await this.article(articleId);
    const events = (await this.audit.list({ articleId, limit: 500 }))
      .filter((event) => Object.hasOwn(TIMELINE_KINDS, event.action))
      .reverse();
    const names = await this.names(events.map((e) => e.actorId));
    return {
      article: { id: article.id, title: article.title, status: article.status },
      events: events.map((event) => ({
        kind: TIMELINE_KINDS[event.action],
        at: this.dateTime(event.occurredAt),
        actor: event.actorId ? (names.get(event.actorId) ?? 'unknown') : 'the service',
        text: describeEvent(event.action, (event.before ?? {}) as Json, (event.after ?? {}) as Json),
      })),
    };
  }

  /** Assigns, or reassigns, through the same service and DTO as `POST /articles/:id/assignments`. */
  assign(user: AuthUser, articleId: string, dto: CreateAssignmentDto) {
    this.requireRole(user, OFFICE_ROLES.editor);
    return this.assignments.reassign(user, articleId, dto);
  }

  /** As `PUT /review-policies/:specialty` (the service checks the specialty, the DTO the cadence). */
  setPolicy(user: AuthUser, specialty: string, cadence: string) {
    this.requireRole(user, OFFICE_ROLES.editor);
    return this.policies.setSpecialty(user, specialty, cadence);
  }

  removePolicy(user: AuthUser, specialty: string) {
    this.requireRole(user, OFFICE_ROLES.editor);
    return this.policies.removeSpecialty(user, specialty);
  }

  // --- Publisher ------------------------------------------------------------------------------------------

  async publisherHome(user: AuthUser) {
    this.requireRole(user, OFFICE_ROLES.publisher);
    const approved = await this.articlesIn('approved', 100);
    const readiness = await this.gate.readiness(approved.map((a) => a.id));
    const rows = await this.articleRows(approved);
    const ready = rows.flatMap((row) => {
      const state = readiness.get(row.id);
      return state?.ok ? [{ ...row, byline: state.byline, signedRevision: state.revision }] : [];
    });
    const blocked = rows.flatMap((row) => {
      const state = readiness.get(row.id);
      return state && !state.ok ? [{ ...row, reason: state.message }] : [];
    });
    const schedules = await this.publishingDesk.scheduled(LIST_CAP + 1);
    const scheduledArticles = await this.articles.findByIds(schedules.map((s) => s.articleId));
    return {
      ready: this.capped(ready),
      blocked: this.capped(blocked),
      scheduled: this.capped(
        schedules.map((s) => ({
          articleId: s.articleId,
          title: scheduledArticles.get(s.articleId)?.title ?? s.articleId,
          revision: s.revisionNumber,
          at: this.dateTime(s.publishAt),
        })),
      ),
    };
  }

  async publisherArticle(user: AuthUser, articleId: string) {
    this.requireRole(user, OFFICE_ROLES.publisher);
    const article = await this.article(articleId);
    const [readiness, schedule, page, deliveries] = await Promise.all([
      this.gate.readiness([articleId]),
      this.publishingDesk.findSchedule(articleId),
      this.publishingDesk.findPage(articleId),
      this.publishingDesk.recentDeliveries(10, articleId),
    ]);
    const state = readiness.get(articleId)!;
    const live = page?.live ? page : null;
    return {
      article: {
        id: article.id,
        title: article.title,
        specialty: article.specialty,
        status: article.status,
        revision: article.currentRevision,
      },
      // Publishing the revision that is already live would change nothing: not offered (the API still allows it).
      ready:
        state.ok && !(live && live.revisionNumber === state.revision)
          ? { revision: state.revision, byline: state.byline }
          : null,
      notReady: state.ok
        ? live && live.revisionNumber === state.revision
          ? `Revision ${state.revision} is live; there is nothing new to publish.`
          : null
        : state.message,
      schedule: schedule
        ? { at: this.dateTime(schedule.publishAt), revision: schedule.revisionNumber }
        : null,
      live: live
        ? {
            slug: live.slug,
            revision: live.revisionNumber,
            publicUrl: `/public/articles/${encodeURIComponent(live.slug)}`,
            lastReviewed: this.date(live.lastReviewedAt),
            nextDue: live.nextReviewDueAt ? this.date(live.nextReviewDueAt) : null,
          }
        : null,
      canUnpublish: article.status === 'published',
      deliveries: deliveries.map((d) => this.deliveryRow(d, article.title)),
      timeZone: this.timeZone,
    };
  }

  /**
   * The time typed in the schedule form (`YYYY-MM-DDTHH:mm`, a wall-clock time in the publication's time zone)
   * as an instant; the publishing service then refuses one that is not in the future.
   */
  publishAtFromForm(value: string): Date {
    const local = DateTime.fromISO(value, { zone: this.timeZone });
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value) || !local.isValid) {
      throw ApiError.badRequest('Invalid request: check publishAt', [
        { field: 'publishAt', reason: `must be a date and time (YYYY-MM-DDTHH:mm, ${this.timeZone})` },
      ]);
    }
    return local.toJSDate();
  }

  async livePages(user: AuthUser) {
    this.requireRole(user, OFFICE_ROLES.publisher);
    const now = this.clock.now();
    const { rows, total } = await this.publishingDesk.livePages(100);
    return {
      total,
      more: total > rows.length,
      pages: rows.map((p) => ({
        articleId: p.articleId,
        title: p.title,
        slug: p.slug,
        publicUrl: `/public/articles/${encodeURIComponent(p.slug)}`,
        revision: p.revisionNumber,
        lastReviewed: this.date(p.lastReviewedAt),
        nextDue: p.nextReviewDueAt ? this.date(p.nextReviewDueAt) : null,
        overdue: !!p.nextReviewDueAt && p.nextReviewDueAt.getTime() < now.getTime(),
      })),
    };
  }

  async exportsPage(user: AuthUser) {
    this.requireRole(user, OFFICE_ROLES.exports);
    const [runs, deliveries] = await Promise.all([
      this.publishingDesk.exportRuns(20),
      this.publishingDesk.recentDeliveries(LIST_CAP),
    ]);
    const titles = await this.articles.findByIds([...new Set(deliveries.map((d) => d.articleId))]);
    return {
      runs: runs.map((run) => ({
        jobId: run.jobId,
        state: run.state,
        trigger: run.trigger,
        mode: run.mode,
        requested: this.dateTime(run.requestedAt),
        finished: run.finishedAt ? this.dateTime(run.finishedAt) : null,
        progress: run.progress
          ? {
              phase: run.progress.phase,
              done: run.progress.done,
              total: run.progress.total,
              percent: run.progress.total ? Math.round((run.progress.done / run.progress.total) * 100) : 100,
            }
          : null,
        summary: run.summary
          ? {
              livePages: run.summary.livePages,
              written: run.summary.written,
              unchanged: run.summary.unchanged,
              removed: run.summary.removed,
              failed: run.summary.failed.length,
              seconds: (run.summary.durationMs / 1000).toFixed(1),
            }
          : null,
        failedReason: run.failedReason,
      })),
      deliveries: deliveries.map((d) => this.deliveryRow(d, titles.get(d.articleId)?.title ?? d.articleId)),
    };
  }

  private deliveryRow(d: Awaited<ReturnType<PublishingDesk['recentDeliveries']>>[number], title: string) {
    return {
      articleId: d.articleId,
      title,
      event: d.event,
      url: d.url,
      status: d.status,
      attempts: d.attempts,
      responseStatus: d.responseStatus,
      lastError: d.lastError,
      at: this.dateTime(d.createdAt),
    };
  }

  publishNow(user: AuthUser, articleId: string) {
    this.requireRole(user, OFFICE_ROLES.publisher);
    return this.publishing.publishNow(user, articleId);
  }

  schedule(user: AuthUser, articleId: string, publishAt: Date) {
    this.requireRole(user, OFFICE_ROLES.publisher);
    return this.schedules.schedule(user, articleId, publishAt);
  }

  cancelSchedule(user: AuthUser, articleId: string) {
    this.requireRole(user, OFFICE_ROLES.publisher);
    return this.schedules.cancel(user, articleId);
  }

  unpublish(user: AuthUser, articleId: string) {
    this.requireRole(user, OFFICE_ROLES.publisher);
    return this.takeDown.unpublish(user, articleId);
  }

  startExport(user: AuthUser): Promise<string> {
    this.requireRole(user, OFFICE_ROLES.exports);
    return this.publishingDesk.startExport(user);
  }
}

/** One sentence for an audit event on the timeline. */
export function describeEvent(action: string, before: Json, after: Json): string {
  const str = (value: unknown) =>
    typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  const hash = (value: unknown) => (typeof value === 'string' ? ` (${value.slice(0, 8)})` : '');
  switch (action) {
    case 'article.created':
      return `Revision ${str(after.revision) || '1'}${hash(after.contentHash)} drafted`;
    case 'article.edited': {
      const note = str(after.changeNote);
      return `Revision ${str(after.revision)}${hash(after.contentHash)} saved${note ? `: “${note}”` : ''}`;
    }
    case 'article.submitted':
      return 'Submitted for review';
    case 'article.withdrawn':
      return 'Withdrawn from review by its writer';
    case 'assignment.created':
      return `Reviewer assigned${after.kind === 're_review' ? ' for a re-review' : ''}`;
    case 'assignment.accepted':
      return 'The reviewer accepted the review';
    case 'assignment.declined':
      return `The reviewer declined${str(after.declineReason) ? `: “${str(after.declineReason)}”` : ''}`;
    case 'assignment.cancelled':
      return `Assignment cancelled${str(after.declineReason) ? ` (${str(after.declineReason)})` : ''}`;
    case 'assignment.completed':
      return 'Assignment completed';
    case 'review.approved':
      return `Approved revision ${str(after.revisionNumber)}`;
    case 'review.changes_requested':
      return `Changes requested on revision ${str(after.revisionNumber)}${str(after.comments) ? `: “${str(after.comments)}”` : ''}`;
    case 'sign_off.created':
      return `Signed revision ${str(after.revision)}${hash(after.contentHash)}: ${str(after.byline)}`;
    case 'article.published':
      return `Published revision ${str(after.publishedRevision)}${str(after.publicUrl) ? ` at ${str(after.publicUrl)}` : ''}`;
    case 'article.rerendered':
      return 'Live page re-rendered';
    case 'article.unpublished':
      return `Unpublished (revision ${str(before.publishedRevision) || '?'} taken down)`;
    case 'article.publish_scheduled':
      return `Publishing scheduled for ${str(after.publishAt)}`;
    case 'article.scheduled_publish_cancelled':
      return 'Scheduled publishing cancelled';
    case 'article.scheduled_publish_refused':
      return `Scheduled publishing refused: ${str(after.message)}`;
    case 'review_policy.article_changed':
      return `Re-review cadence set to ${str(after.cadence) || 'the default'}`;
    default:
      return action;
  }
}
