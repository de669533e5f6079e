import { Injectable } from '@nestjs/common';

import { DateTime } from 'luxon';

import { AuditService } from '../audit/audit.service.js';

import { type AuthUser } from '../auth/auth-user.js';
import { Clock } from '../core/clock/clock.js';

import { ApiError } from '../core/http/api-error.js';

import { AssignmentsRepository } from '../reviews/assignments.repository.js';

import { AssignmentsService } from '../reviews/assignments.service.js';

import type { CreateAssignmentDto } from '../reviews/reviews.dto.js';

import { OverdueReviews } from '../scheduling/overdue-reviews.service.js';

import { ReviewPolicyService } from '../scheduling/review-policy.service.js';

import { UsersRepository } from '../users/users.repository.js';

import { LIST_CAP, OFFICE_ROLES, OfficePageParts, TIMELINE_KINDS, type Json } from './office-page-parts.js';

const DAY_MS = 24 * 3600 * 1000;
/** Re-reviews due within this many days are listed as "due soon". */
const DUE_SOON_DAYS = 30;

/**
 * What the editor's pages show (`/desk/editor…`): the dashboard, assigning a reviewer, review policies and an
 * article's timeline; each change calls the service the JSON API calls. No rule lives here.
 */
@Injectable()
export class EditorPagesService {
  constructor(
    private readonly assignmentsRepo: AssignmentsRepository,
    private readonly assignments: AssignmentsService,
    private readonly overdue: OverdueReviews,
    private readonly policies: ReviewPolicyService,
    private readonly audit: AuditService,
    private readonly users: UsersRepository,
    private readonly parts: OfficePageParts,
    private readonly clock: Clock,
  ) {}

  // --- Editor ---------------------------------------------------------------------------------------------

  async editorDashboard(user: AuthUser) {
    this.parts.requireRole(user, OFFICE_ROLES.editor);
    const now = this.clock.now();
    const [inReview, changes, approved, reReviews, reviewers] = await Promise.all([
      this.parts.articlesIn('in_review', 200),
      this.parts.articlesIn('changes_requested', LIST_CAP + 1),
      this.parts.articlesIn('approved', LIST_CAP + 1),
      this.overdue.dueRows(new Date(now.getTime() + DUE_SOON_DAYS * DAY_MS), 'all', LIST_CAP + 1),
      this.users.findActiveByRole('reviewer'),
    ]);
    const open = await this.assignmentsRepo.findOpenForArticles(inReview.map((a) => a.id));
    const waiting = inReview.filter((a) => !open.has(a.id));
    const assigned = inReview.filter((a) => open.has(a.id));
    const counts = await this.assignments.openCounts(reviewers.map((r) => r.id));
    const reviewerNames = await this.parts.names([...open.values()].map((o) => o.reviewerId));
    const assignedRows = (await this.parts.articleRows(assigned)).map((row) => {
      const assignment = open.get(row.id)!;
      return {
        ...row,
        reviewerName: reviewerNames.get(assignment.reviewerId) ?? 'unknown',
        assignmentStatus: assignment.status,
        due: this.parts.date(assignment.dueAt),
        late: assignment.dueAt.getTime() < now.getTime(),
      };
    });
    const reReviewRows = reReviews.map((row) => ({
      articleId: row.articleId,
      title: row.title,
      reviewerName: row.lastReviewer.displayName,
      due: this.parts.date(row.dueAt),
      overdue: row.status === 'overdue',
      daysOverdue: row.daysOverdue,
      assigned: row.openAssignmentId !== null,
    }));
    const workload = reviewers
      .map((r) => ({ id: r.id, name: r.name, open: counts.get(r.id) ?? 0 }))
      .sort((a, b) => b.open - a.open || a.name.localeCompare(b.name));
    return {
      waiting: this.parts.capped(await this.parts.articleRows(waiting)),
      inReview: this.parts.capped(assignedRows),
      changesRequested: this.parts.capped(await this.parts.articleRows(changes)),
      approved: this.parts.capped(await this.parts.articleRows(approved)),
      overdue: this.parts.capped(reReviewRows.filter((r) => r.overdue)),
      dueSoon: this.parts.capped(reReviewRows.filter((r) => !r.overdue)),
      workload,
      cap: LIST_CAP,
    };
  }

  /** The assign/reassign page: the current assignment, the automatic choice preselected, every reviewer. */
  async assignPage(user: AuthUser, articleId: string) {
    this.parts.requireRole(user, OFFICE_ROLES.editor);
    const article = await this.parts.article(articleId);
    const [current, suggestion, reviewers] = await Promise.all([
      this.assignments.findOpen(articleId),
      this.assignments.suggestReviewer(articleId),
      this.users.findActiveByRole('reviewer'),
    ]);
    const profiles = new Map(
      (await this.users.findProfiles(reviewers.map((r) => r.id))).map((p) => [p.userId, p]),
    );
    const counts = await this.assignments.openCounts(reviewers.map((r) => r.id));
    const currentName = current
      ? (await this.parts.names([current.reviewerId])).get(current.reviewerId)
      : null;
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
            due: this.parts.date(current.dueAt),
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
    const day = DateTime.fromISO(value, { zone: this.parts.timeZone });
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !day.isValid) {
      throw ApiError.badRequest('Invalid request: check dueAt', [
        { field: 'dueAt', reason: 'must be a date (YYYY-MM-DD)' },
      ]);
    }
    return day.endOf('day').toUTC().toISO();
  }

  async policiesPage(user: AuthUser) {
    this.parts.requireRole(user, OFFICE_ROLES.editor);
    const { default: fallback, specialties } = await this.policies.list();
    const names = await this.parts.names(specialties.map((s) => s.updatedById));
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
    this.parts.requireRole(user, OFFICE_ROLES.timeline);
    const article = await this.parts.article(articleId);
    const events = (await this.audit.list({ articleId, limit: 500 }))
      .filter((event) => Object.hasOwn(TIMELINE_KINDS, event.action))
      .reverse();
    const names = await this.parts.names(events.map((e) => e.actorId));
    return {
      article: { id: article.id, title: article.title, status: article.status },
      events: events.map((event) => ({
        kind: TIMELINE_KINDS[event.action],
        at: this.parts.dateTime(event.occurredAt),
        actor: event.actorId ? (names.get(event.actorId) ?? 'unknown') : 'the service',
        text: describeEvent(event.action, (event.before ?? {}) as Json, (event.after ?? {}) as Json),
      })),
    };
  }

  /** Assigns, or reassigns, through the same service and DTO as `POST /articles/:id/assignments`. */
  assign(user: AuthUser, articleId: string, dto: CreateAssignmentDto) {
    this.parts.requireRole(user, OFFICE_ROLES.editor);
    return this.assignments.reassign(user, articleId, dto);
  }

  /** As `PUT /review-policies/:specialty` (the service checks the specialty, the DTO the cadence). */
  setPolicy(user: AuthUser, specialty: string, cadence: string) {
    this.parts.requireRole(user, OFFICE_ROLES.editor);
    return this.policies.setSpecialty(user, specialty, cadence);
  }

  removePolicy(user: AuthUser, specialty: string) {
    this.parts.requireRole(user, OFFICE_ROLES.editor);
    return this.policies.removeSpecialty(user, specialty);
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
