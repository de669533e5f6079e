import { Injectable } from '@nestjs/common';

import type { Article } from '../articles/article.entity.js';

import { ArticlesRepository } from '../articles/articles.repository.js';

import { changesByHeading, type HeadingChange } from '../articles/changes-by-heading.js';
import { diffContentAsync } from '../articles/revision-diff.js';

import { CommentsService } from '../articles/comments.service.js';

import type { Revision } from '../articles/revision.entity.js';

import type { AuthUser } from '../auth/auth-user.js';

import { Clock } from '../core/clock/clock.js';

import { ApiError } from '../core/http/api-error.js';

import { buildPageViewModel, type PageViewModel } from '../publishing/page-view-model.js';

import { PageRendering } from '../publishing/page-rendering.service.js';

import type { Assignment } from '../reviews/assignment.entity.js';

import { AssignmentsRepository } from '../reviews/assignments.repository.js';

import { DecisionsRepository } from '../reviews/decisions.repository.js';

import type { ReviewDecision } from '../reviews/review-decision.entity.js';

import { bylineText, formatReviewDate } from '../sign-offs/byline.js';

import type { SignOff } from '../sign-offs/sign-off.entity.js';

import { SignOffsRepository } from '../sign-offs/sign-offs.repository.js';

import { SignOffsService } from '../sign-offs/sign-offs.service.js';

import { UsersRepository } from '../users/users.repository.js';

import { flatten, localTime, ReviewPageParts } from './review-page-parts.js';

import {
  type ChangeGroupView,
  type ReceiptModel,
  type ReviewPageModel,
  signatureMeaning,
} from './review-page-models.js';

/**
 * Gathers what the review page and the receipt show, from the same services and repositories the JSON API uses.
 * It decides nothing: who may do what is checked by those services when a form is posted; here only who may
 * *see* a page is applied (a reviewer sees his own assignments).
 */
@Injectable()
export class ReviewPagesService {
  constructor(
    private readonly articles: ArticlesRepository,
    private readonly assignmentRecords: AssignmentsRepository,
    private readonly decisionRecords: DecisionsRepository,
    private readonly comments: CommentsService,
    private readonly signOffs: SignOffsService,
    private readonly signOffRecords: SignOffsRepository,
    private readonly users: UsersRepository,
    private readonly rendering: PageRendering,
    private readonly parts: ReviewPageParts,
    private readonly clock: Clock,
  ) {}

  /** The assignment, if it is the caller's; anyone else is told it does not exist. */
  async ownAssignment(user: AuthUser, assignmentId: string): Promise<Assignment> {
    const assignment = await this.assignmentRecords.findById(assignmentId);
    if (!assignment) throw ApiError.notFound('Review');
    if (assignment.reviewerId !== user.id) {
      throw ApiError.forbidden('This review is assigned to another physician');
    }
    return assignment;
  }

  async isAssignedTo(user: AuthUser, assignmentId: string): Promise<boolean> {
    const assignment = await this.assignmentRecords.findById(assignmentId);
    return assignment?.reviewerId === user.id;
  }

  /** The assignment's article id, for a page that only redirects (an editor opening a reviewer's link). */
  async assignmentArticle(assignmentId: string): Promise<string | null> {
    const assignment = await this.assignmentRecords.findById(assignmentId);
    return assignment?.articleId ?? null;
  }

  async reviewPage(user: AuthUser, assignmentId: string): Promise<ReviewPageModel> {
    const assignment = await this.ownAssignment(user, assignmentId);
    const article = await this.articles.findById(assignment.articleId);
    if (!article) throw ApiError.notFound('Article');
    const revision = await this.articles.findRevision(article.id, article.currentRevision);
    if (!revision) throw ApiError.notFound('Revision');
    const [writer, profile, decisions, signOffs, comments] = await Promise.all([
      this.users.findById(article.authorId),
      this.users.findProfile(user.id),
      this.decisionRecords.listForArticle(article.id, 100),
      this.signOffRecords.listForArticle(article.id),
      this.comments.list(article.id),
    ]);
    const now = this.clock.now();

    const mySignOff = signOffs
      .filter((s) => s.reviewerId === user.id)
      .sort((a, b) => b.signedAt.getTime() - a.signedAt.getTime())[0];
    const myDecision = decisions.find((d) => d.reviewerId === user.id && d.decision === 'request_changes');
    const latest = this.baseline(mySignOff, myDecision);
    // Right after a request for changes nothing is new yet: no empty "changes since" panel until a new revision.
    const since = latest?.kind === 'decision' && latest.revision === revision.number ? null : latest;
    let groups: ChangeGroupView[] = [];
    if (since && since.revision !== revision.number) {
      const before = await this.articles.findRevision(article.id, since.revision);
      if (before) {
        // Bounded and yielding (#15 §7): a huge rewrite cannot hold the event loop.
        const changes = await diffContentAsync(before.content, revision.content);
        groups = this.groupViews(changesByHeading(before.content, revision.content, changes), revision);
      }
    }
    const publication = this.publication(article, revision, writer?.name ?? '');
    const anchors = publication.sections.map((s) => s.anchor);
    const names = await this.parts.names([
      ...flatten(comments).map((c) => c.authorId),
      ...decisions.map((d) => d.reviewerId),
    ]);

    const open = assignment.status === 'pending' || assignment.status === 'accepted';
    return {
      assignment: {
        id: assignment.id,
        kind: assignment.kind === 're_review' ? 'Re-review' : 'Review',
        status: assignment.status,
        pending: assignment.status === 'pending',
        accepted: assignment.status === 'accepted',
        closed: !open,
        due: this.parts.date(assignment.dueAt),
        overdue: open && assignment.dueAt <= now,
        declineReason: assignment.declineReason,
      },
      article: {
        id: article.id,
        title: article.title,
        specialty: article.specialty,
        status: article.status,
        revision: revision.number,
        contentHash: revision.contentHash,
        shortHash: revision.contentHash.slice(0, 8),
        writerName: writer?.name ?? 'Unknown writer',
      },
      changes: {
        since,
        groups: groups.map((g) => ({
          ...g,
          anchor: g.sectionIndex === null ? null : (anchors[g.sectionIndex] ?? null),
        })),
        unchangedSinceSignOff: since?.kind === 'sign-off' && since.revision === revision.number,
      },
      publication,
      sections: revision.content.sections.map((s, index) => ({
        index,
        heading: s.heading,
        anchor: anchors[index],
      })),
      comments: this.parts.commentRows(comments, names, revision),
      sign: {
        byline: profile
          ? bylineText(
              {
                reviewerDisplayName: profile.displayName,
                reviewerCredentials: profile.credentials,
                reviewerAffiliation: profile.affiliation,
                signedAt: now,
              },
              this.parts.timeZone,
            )
          : '',
        meaning: signatureMeaning(revision.number, revision.contentHash, article.title),
        canSign: !!profile,
        whyNot: profile
          ? null
          : 'You have no reviewer profile with a licence on file; an admin must add it before you can sign.',
      },
      decisions: decisions.map((d) => this.parts.decisionRow(d, names)),
    };
  }

  private baseline(
    signOff: SignOff | undefined,
    decision: ReviewDecision | undefined,
  ): ReviewPageModel['changes']['since'] {
    const fromSignOff = signOff
      ? {
          kind: 'sign-off' as const,
          date: this.parts.date(signOff.signedAt),
          revision: signOff.revisionNumber,
          at: signOff.signedAt,
        }
      : null;
    const fromDecision = decision
      ? {
          kind: 'decision' as const,
          date: this.parts.date(decision.createdAt),
          revision: decision.revisionNumber,
          at: decision.createdAt,
        }
      : null;
    const latest = [fromSignOff, fromDecision]
      .filter((x): x is NonNullable<typeof x> => x !== null)
      .sort((a, b) => b.at.getTime() - a.at.getTime())[0];
    if (!latest) return null;
    return { kind: latest.kind, date: latest.date, revision: latest.revision };
  }

  private groupViews(groups: HeadingChange[], _revision: Revision): ChangeGroupView[] {
    return groups.map((group) => ({
      ...group,
      anchor: null,
      sides: group.parts.map((part) => ({ label: part.label, before: part.before, after: part.after })),
    }));
  }

  /** The revision as the publication's templates show it, with a "not the published page" banner. */
  publication(article: Article, revision: Revision, authorName: string): PageViewModel {
    return buildPageViewModel(
      {
        articleId: article.id,
        revisionNumber: revision.number,
        revisionCreatedAt: revision.createdAt,
        content: revision.content,
        rendered: revision.rendered,
        authorName,
        signer: null,
        firstPublishedAt: article.firstPublishedAt,
        nextReviewDueAt: null,
        related: [],
      },
      this.rendering.site,
      { noindex: true, banner: `Revision ${revision.number} under review` },
    );
  }

  /** What was signed, shown right after signing (to the physician who signed it). */
  async receipt(user: AuthUser, assignmentId: string, signOffId: string): Promise<ReceiptModel> {
    const assignment = await this.ownAssignment(user, assignmentId);
    const signOff = await this.signOffRecords.findForArticle(assignment.articleId, signOffId);
    if (!signOff || signOff.reviewerId !== user.id) throw ApiError.notFound('Sign-off');
    const article = await this.articles.findById(assignment.articleId);
    if (!article) throw ApiError.notFound('Article');
    const view = this.signOffs.view(signOff);
    const revision = await this.articles.findRevision(article.id, signOff.revisionNumber);
    const title = revision?.content.title ?? article.title;
    return {
      article: { id: article.id, title },
      assignmentId,
      signOff: {
        id: signOff.id,
        revision: signOff.revisionNumber,
        contentHash: signOff.contentHash,
        shortHash: signOff.contentHash.slice(0, 8),
        byline: view.byline,
        meaning: signOff.meaning,
        statement: signatureMeaning(signOff.revisionNumber, signOff.contentHash, title),
        signedAt: {
          iso: signOff.signedAt.toISOString(),
          text: `${formatReviewDate(signOff.signedAt, this.parts.timeZone)}, ${localTime(signOff.signedAt, this.parts.timeZone)}`,
          timeZone: this.parts.timeZone,
        },
      },
    };
  }
}
