import { Injectable } from '@nestjs/common';

import type { Article } from '../articles/article.entity.js';

import { ArticlesRepository } from '../articles/articles.repository.js';

import type { AuthUser } from '../auth/auth-user.js';

import { Clock } from '../core/clock/clock.js';

import type { Assignment } from '../reviews/assignment.entity.js';

import { AssignmentsRepository } from '../reviews/assignments.repository.js';

import { OverdueReviews } from '../scheduling/overdue-reviews.service.js';

import { ReviewPageParts } from './review-page-parts.js';
import type { MyReviewRow, MyReviewsModel } from './review-page-models.js';

const DAY_MS = 24 * 3600 * 1000;
/** Re-reviews falling due within this many days are listed as "due soon" on a physician's desk. */
const DUE_SOON_DAYS = 30;

/** "My reviews": a physician's requests to answer, accepted reviews and re-reviews due soon or overdue. */
@Injectable()
export class MyReviewsPage {
  constructor(
    private readonly articles: ArticlesRepository,
    private readonly assignmentRecords: AssignmentsRepository,
    private readonly schedules: OverdueReviews,
    private readonly parts: ReviewPageParts,
    private readonly clock: Clock,
  ) {}

  /** "My reviews": requests to answer, accepted reviews and re-reviews due soon or overdue, by due date. */
  async myReviews(user: AuthUser): Promise<MyReviewsModel> {
    const now = this.clock.now();
    const open = await this.assignmentRecords.listOpenForReviewer(user.id, 200);
    const articles = await this.articlesById(open.map((a) => a.articleId));
    const row = (assignment: Assignment): MyReviewRow | null => {
      const article = articles.get(assignment.articleId);
      if (!article) return null;
      return {
        assignmentId: assignment.id,
        articleId: article.id,
        title: article.title,
        specialty: article.specialty,
        revision: article.currentRevision,
        due: this.parts.date(assignment.dueAt),
        overdue: assignment.dueAt <= now,
        kind: assignment.kind === 're_review' ? 'Re-review' : 'Review',
      };
    };
    const rows = (status: string) =>
      open
        .filter((a) => a.status === status)
        .map(row)
        .filter((r): r is MyReviewRow => r !== null);
    const due = await this.schedules.list({
      dueBefore: new Date(now.getTime() + DUE_SOON_DAYS * DAY_MS).toISOString(),
      status: 'all',
    });
    const dueArticles = await this.articlesById(
      due.filter((r) => r.lastReviewer.id === user.id && !r.openAssignmentId).map((r) => r.articleId),
    );
    const reReviews = due
      .filter((r) => dueArticles.has(r.articleId))
      .map((r) => {
        const article = dueArticles.get(r.articleId)!;
        return {
          assignmentId: null,
          articleId: r.articleId,
          title: r.title,
          specialty: article.specialty,
          revision: article.currentRevision,
          due: this.parts.date(r.dueAt),
          overdue: r.status === 'overdue',
          kind: 'Re-review',
        };
      });
    const model = { requests: rows('pending'), accepted: rows('accepted'), reReviews };
    return { ...model, empty: !model.requests.length && !model.accepted.length && !reReviews.length };
  }

  private async articlesById(ids: string[]): Promise<Map<string, Article>> {
    const unique = [...new Set(ids)];
    const found = await Promise.all(unique.map((id) => this.articles.findById(id)));
    return new Map(found.filter((a): a is Article => !!a).map((a) => [a.id, a]));
  }
}
