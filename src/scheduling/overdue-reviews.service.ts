import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { findAttestedAsSignOffs } from '../imports/review-records.js';
import type { ArticleStatus } from '../articles/article.entity.js';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { Clock } from '../core/clock/clock.js';
import { AssignmentsRepository } from '../reviews/assignments.repository.js';
import { SignOffsRepository } from '../sign-offs/sign-offs.repository.js';
import { ReviewSchedulesRepository } from './review-schedules.repository.js';
import type { ReReviewsQuery } from './scheduling.dto.js';

const DAY_MS = 24 * 3600 * 1000;

export interface ReReviewRow {
  articleId: string;
  slug: string;
  title: string;
  articleStatus: ArticleStatus;
  dueAt: Date;
  lastReviewedAt: Date;
  lastReviewer: { id: string; displayName: string };
  signOffId: string;
  status: 'overdue' | 'due_soon';
  daysOverdue: number;
  openAssignmentId: string | null;
}

/** The re-reviews due or overdue, with the last reviewer, for the editors' list and their digest. */
@Injectable()
export class OverdueReviews {
  constructor(
    private readonly schedules: ReviewSchedulesRepository,
    private readonly articles: ArticlesRepository,
    private readonly signOffs: SignOffsRepository,
    private readonly assignments: AssignmentsRepository,
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  list(query: ReReviewsQuery): Promise<ReReviewRow[]> {
    const dueBefore = query.dueBefore
      ? new Date(query.dueBefore)
      : new Date(this.clock.now().getTime() + 30 * DAY_MS);
    return this.dueRows(dueBefore, query.status ?? 'all', 500);
  }

  /** Reviews due before `dueBefore`, earliest first; each module answers for its own rows. */
  async dueRows(dueBefore: Date, filter: 'overdue' | 'due' | 'all', limit: number): Promise<ReReviewRow[]> {
    const now = this.clock.now();
    const schedules = await this.schedules.listDue(dueBefore, filter, now, limit);
    const articleIds = schedules.map((schedule) => schedule.articleId);
    const reviewIds = schedules.map((schedule) => schedule.signOffId);
    const [articles, signOffs, attested, open] = await Promise.all([
      this.articles.findByIds(articleIds),
      this.signOffs.findByIds(reviewIds),
      findAttestedAsSignOffs(this.dataSource.manager, reviewIds),
      this.assignments.findOpenForArticles(articleIds),
    ]);
    return schedules.flatMap((schedule) => {
      const article = articles.get(schedule.articleId);
      const signOff = signOffs.get(schedule.signOffId) ?? attested.get(schedule.signOffId);
      if (!article || !signOff) return [];
      const overdueMs = now.getTime() - schedule.dueAt.getTime();
      return [
        {
          articleId: article.id,
          slug: article.slug,
          title: article.title,
          articleStatus: article.status,
          dueAt: schedule.dueAt,
          lastReviewedAt: schedule.signedAt,
          lastReviewer: { id: signOff.reviewerId, displayName: signOff.reviewerDisplayName },
          signOffId: signOff.id,
          status: overdueMs >= 0 ? 'overdue' : 'due_soon',
          daysOverdue: overdueMs >= 0 ? Math.floor(overdueMs / DAY_MS) : 0,
          openAssignmentId: open.get(article.id)?.id ?? null,
        },
      ];
    });
  }
}
