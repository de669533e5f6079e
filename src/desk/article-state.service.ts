import { Injectable } from '@nestjs/common';

import { ArticlesRepository } from '../articles/articles.repository.js';

import { CommentsService } from '../articles/comments.service.js';

import type { AuthUser } from '../auth/auth-user.js';

import { hasRole } from '../auth/auth-user.js';

import { ApiError } from '../core/http/api-error.js';

import { AssignmentsRepository } from '../reviews/assignments.repository.js';

import { DecisionsRepository } from '../reviews/decisions.repository.js';

import { SignOffsRepository } from '../sign-offs/sign-offs.repository.js';

import { SignOffsService } from '../sign-offs/sign-offs.service.js';

import { flatten, ReviewPageParts } from './review-page-parts.js';
import type { ArticleStatePage } from './review-page-models.js';

/** The article's review state page, read-only: for its writer, editors and the physicians who reviewed it. */
@Injectable()
export class ArticleStatePages {
  constructor(
    private readonly articles: ArticlesRepository,
    private readonly assignmentRecords: AssignmentsRepository,
    private readonly decisionRecords: DecisionsRepository,
    private readonly comments: CommentsService,
    private readonly signOffs: SignOffsService,
    private readonly signOffRecords: SignOffsRepository,
    private readonly parts: ReviewPageParts,
  ) {}

  /** The article's review state, read-only: for its writer, editors and the physicians who reviewed it. */
  async articleState(user: AuthUser, articleId: string): Promise<ArticleStatePage> {
    const article = await this.articles.findById(articleId);
    if (!article) throw ApiError.notFound('Article');
    const [assignments, decisions, signOffs, comments, revision] = await Promise.all([
      this.assignmentRecords.listForArticle(articleId, 100),
      this.decisionRecords.listForArticle(articleId, 100),
      this.signOffRecords.listForArticle(articleId),
      this.comments.list(articleId),
      this.articles.findRevision(articleId, article.currentRevision),
    ]);
    const involved =
      article.authorId === user.id ||
      hasRole(user, 'editor', 'admin', 'publisher') ||
      assignments.some((a) => a.reviewerId === user.id);
    if (!involved)
      throw ApiError.forbidden('Only the writer, editors and its reviewers see this article’s review');
    const names = await this.parts.names([
      article.authorId,
      ...assignments.map((a) => a.reviewerId),
      ...decisions.map((d) => d.reviewerId),
      ...flatten(comments).map((c) => c.authorId),
    ]);
    const latest = signOffs.sort((a, b) => b.signedAt.getTime() - a.signedAt.getTime())[0];
    const anyOpen = assignments.some((a) => a.status === 'pending' || a.status === 'accepted');
    const schedule = article.nextReviewDueAt;
    return {
      article: {
        id: article.id,
        title: article.title,
        specialty: article.specialty,
        status: article.status.replace('_', ' '),
        revision: article.currentRevision,
        shortHash: revision?.contentHash.slice(0, 8) ?? '',
        writerName: names.get(article.authorId) ?? 'Unknown writer',
        nextReviewDue: schedule ? this.parts.date(schedule) : null,
        lastReviewed: article.lastReviewedAt ? this.parts.date(article.lastReviewedAt) : null,
      },
      assignments: assignments.map((a) => ({
        id: a.id,
        reviewerName: names.get(a.reviewerId) ?? 'A reviewer',
        kind: a.kind === 're_review' ? 'Re-review' : 'Review',
        status: a.status,
        due: this.parts.date(a.dueAt),
        declineReason: a.declineReason,
        mine: a.reviewerId === user.id,
      })),
      decisions: decisions.map((d) => this.parts.decisionRow(d, names)),
      signOffs: signOffs.map((s) => ({
        id: s.id,
        revision: s.revisionNumber,
        shortHash: s.contentHash.slice(0, 8),
        byline: this.signOffs.byline(s),
        current: s.revisionNumber === article.currentRevision && s.contentHash === revision?.contentHash,
      })),
      comments: this.parts.commentRows(comments, names, revision?.content ?? null),
      canStartReReview:
        !!latest &&
        latest.reviewerId === user.id &&
        !anyOpen &&
        ['published', 'approved'].includes(article.status),
    };
  }

  /** The open review of this article that is the caller's, if any (where the re-review link leads). */
  async openAssignmentOf(user: AuthUser, articleId: string): Promise<string | null> {
    const open = await this.assignmentRecords.findOpenForReviewer(articleId, user.id);
    return open?.id ?? null;
  }

  async verify(user: AuthUser, articleId: string, signOffId: string) {
    await this.articleState(user, articleId);
    return this.signOffs.verify(articleId, signOffId);
  }
}
