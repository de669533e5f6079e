import { Injectable } from '@nestjs/common';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { CommentsService } from '../articles/comments.service.js';
import type { AuthUser } from '../auth/auth-user.js';
import { Clock } from '../core/clock/clock.js';
import { ApiError } from '../core/http/api-error.js';
import type { Assignment } from '../reviews/assignment.entity.js';
import { AssignmentsRepository } from '../reviews/assignments.repository.js';
import { DecisionsRepository } from '../reviews/decisions.repository.js';
import type { ReviewDecision } from '../reviews/review-decision.entity.js';
import { bylineOn, formatReviewDate } from '../sign-offs/byline.js';
import type { SignOff } from '../sign-offs/sign-off.entity.js';
import { SignOffsRepository } from '../sign-offs/sign-offs.repository.js';
import { SignOffsService } from '../sign-offs/sign-offs.service.js';
import { UsersRepository } from '../users/users.repository.js';
import { ReviewPageCache } from './review-page-cache.js';
import { type ReviewState, ReviewStateCache } from './review-state-cache.js';
import { flatten, localTime, ReviewPageParts } from './review-page-parts.js';
import {
  type DateView,
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
    private readonly cache: ReviewPageCache,
    private readonly states: ReviewStateCache,
    private readonly parts: ReviewPageParts,
    private readonly clock: Clock,
  ) {}

  /** The assignment, if it is the caller's; anyone else is told it does not exist. */
  async ownAssignment(user: AuthUser, assignmentId: string): Promise<Assignment> {
    const assignment = await this.assignmentRecords.findById(assignmentId);
    if (!assignment) throw ApiError.notFound('Review');
    return this.assertOwn(user, assignment);
  }

  /** The assignment behind a review link, whoever it is assigned to; null if there is none. */
  findAssignment(assignmentId: string): Promise<Assignment | null> {
    return this.assignmentRecords.readById(assignmentId);
  }

  /**
   * The review page of assignment `assignmentId` for the caller, or, when it is another physician's, the article
   * whose review state the caller may see instead (`otherReviewersArticle`). From ReviewStateCache when nothing
   * the page shows has changed since it was read.
   */
  async openReview(
    user: AuthUser,
    assignmentId: string,
  ): Promise<{ model: ReviewPageModel } | { otherReviewersArticle: string }> {
    const known = this.states.get(assignmentId, user.id);
    if (known) return { model: await this.build(user, known) };
    const ticket = this.states.ticket();
    const assignment = await this.findAssignment(assignmentId);
    if (assignment && assignment.reviewerId !== user.id) return { otherReviewersArticle: assignment.articleId };
    if (!assignment) throw ApiError.notFound('Review');
    return { model: await this.build(user, await this.readState(user, assignment, ticket)) };
  }

  /**
   * The review page of an assignment of the caller's, by id: from ReviewStateCache, or one read per thing that can
   * change (the assignment, the article with its current hash, the caller's profile, decisions, sign-offs,
   * comments, people's names); the revision's rendering and the changes since the caller's last revision come
   * from ReviewPageCache by content hash, so the revisions' contents are read only on a miss.
   */
  async reviewPage(user: AuthUser, assignmentId: string): Promise<ReviewPageModel> {
    const known = this.states.get(assignmentId, user.id);
    if (known) return this.build(user, known);
    const ticket = this.states.ticket();
    const assignment = await this.ownAssignment(user, assignmentId);
    return this.build(user, await this.readState(user, assignment, ticket));
  }

  private async readState(user: AuthUser, assignment: Assignment, ticket: number): Promise<ReviewState> {
    // Everything that only needs the assignment is read at once (the article exists: the assignment refers to it).
    const [found, profile, decisions, signOffs, comments] = await Promise.all([
      this.articles.findWithCurrentHash(assignment.articleId),
      this.users.readBylineProfile(user.id),
      this.decisionRecords.readForArticle(assignment.articleId, 100),
      this.signOffRecords.readForArticleByReviewer(assignment.articleId, user.id),
      this.comments.listForKnownArticle({ id: assignment.articleId }),
    ]);
    if (!found) throw ApiError.notFound('Article');
    const names = await this.parts.names([
      found.article.authorId,
      ...flatten(comments).map((c) => c.authorId),
      ...decisions.map((d) => d.reviewerId),
    ]);
    const state: ReviewState = {
      assignment,
      article: found.article,
      currentHash: found.currentHash,
      profile,
      decisions,
      signOffs,
      comments,
      names,
    };
    this.states.set(state, user.id, ticket);
    return state;
  }

  /** The page from its data; only the revision's rendering and the changes may still need reading (on a miss). */
  private async build(user: AuthUser, state: ReviewState): Promise<ReviewPageModel> {
    const { assignment, article, currentHash, profile, decisions, signOffs, comments, names } = state;
    const current = { number: article.currentRevision, contentHash: currentHash };
    const revision = await this.cache.revision(currentHash, () =>
      this.articles.findRevision(article.id, current.number),
    );
    if (!revision) throw ApiError.notFound('Revision');
    const now = this.clock.now();

    const mySignOff = signOffs[0];
    const myDecision = decisions.find((d) => d.reviewerId === user.id && d.decision === 'request_changes');
    const latest = this.baseline(mySignOff, myDecision);
    // Right after a request for changes nothing is new yet: no empty "changes since" panel until a new revision.
    const since = latest?.kind === 'decision' && latest.revision === current.number ? null : latest;
    const rendered =
      since && since.revision !== current.number
        ? await this.cache.changesBetween(
            { number: since.revision, contentHash: since.contentHash },
            current,
            revision.sections,
            () => this.contents(article.id, since.revision, current.number),
          )
        : null;
    const writerName = names.get(article.authorId);

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
        revision: current.number,
        contentHash: currentHash,
        shortHash: currentHash.slice(0, 8),
        writerName: writerName ?? 'Unknown writer',
      },
      changes: {
        since: since && { kind: since.kind, date: since.date, revision: since.revision },
        rendered,
        unchangedSinceSignOff: since?.kind === 'sign-off' && since.revision === current.number,
      },
      publication: {
        specialty: revision.specialty,
        title: revision.title,
        description: revision.description,
        authorName: writerName ?? '',
        html: revision.html,
      },
      sections: revision.sections,
      comments: this.parts.commentRows(comments, names, revision),
      sign: {
        byline: profile
          ? bylineOn(
              {
                reviewerDisplayName: profile.displayName,
                reviewerCredentials: profile.credentials,
                reviewerAffiliation: profile.affiliation,
              },
              // Today's date where the signature would be made: time zones are offset by whole minutes, so the
              // date of the minute is the date of the instant, and ReviewPageParts keeps each minute's text.
              this.parts.date(new Date(Math.floor(now.getTime() / 60_000) * 60_000)).text,
            )
          : '',
        meaning: signatureMeaning(current.number, currentHash, article.title),
        canSign: !!profile,
        whyNot: profile
          ? null
          : 'You have no reviewer profile with a licence on file; an admin must add it before you can sign.',
      },
      decisions: decisions.map((d) => this.parts.decisionRow(d, names)),
    };
  }

  private assertOwn(user: AuthUser, assignment: Assignment): Assignment {
    if (assignment.reviewerId !== user.id) {
      throw ApiError.forbidden('This review is assigned to another physician');
    }
    return assignment;
  }

  /** Two revisions' contents, for a diff the cache does not hold yet. */
  private async contents(articleId: string, from: number, to: number) {
    const revisions = await this.articles.findRevisions(articleId, [from, to]);
    const before = revisions.get(from);
    const after = revisions.get(to);
    if (!before || !after) throw ApiError.notFound('Revision');
    return { before: before.content, after: after.content };
  }

  private baseline(
    signOff: SignOff | undefined,
    decision: ReviewDecision | undefined,
  ): { kind: 'sign-off' | 'decision'; date: DateView; revision: number; contentHash: string } | null {
    const fromSignOff = signOff
      ? {
          kind: 'sign-off' as const,
          date: this.parts.date(signOff.signedAt),
          revision: signOff.revisionNumber,
          contentHash: signOff.contentHash,
          at: signOff.signedAt,
        }
      : null;
    const fromDecision = decision
      ? {
          kind: 'decision' as const,
          date: this.parts.date(decision.createdAt),
          revision: decision.revisionNumber,
          contentHash: decision.contentHash,
          at: decision.createdAt,
        }
      : null;
    const latest = [fromSignOff, fromDecision]
      .filter((x): x is NonNullable<typeof x> => x !== null)
      .sort((a, b) => b.at.getTime() - a.at.getTime())[0];
    if (!latest) return null;
    return {
      kind: latest.kind,
      date: latest.date,
      revision: latest.revision,
      contentHash: latest.contentHash,
    };
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
