import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import type { Article } from '../articles/article.entity.js';
import type { CommentView } from '../articles/article-view.js';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { changesByHeading, type HeadingChange } from '../articles/changes-by-heading.js';
import { diffContentAsync } from '../articles/revision-diff.js';
import { CommentsService } from '../articles/comments.service.js';
import type { Revision } from '../articles/revision.entity.js';
import type { AuthUser } from '../auth/auth-user.js';
import { hasRole } from '../auth/auth-user.js';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import { ApiError } from '../core/http/api-error.js';
import { buildPageViewModel, type PageViewModel } from '../publishing/page-view-model.js';
import { PageRendering } from '../publishing/page-rendering.service.js';
import { Assignment } from '../reviews/assignment.entity.js';
import { AssignmentsService } from '../reviews/assignments.service.js';
import { ReviewDecision } from '../reviews/review-decision.entity.js';
import { OverdueReviews } from '../scheduling/overdue-reviews.service.js';
import { bylineText, formatReviewDate } from '../sign-offs/byline.js';
import type { SignOff } from '../sign-offs/sign-off.entity.js';
import { SignOffsRepository } from '../sign-offs/sign-offs.repository.js';
import { SignOffsService } from '../sign-offs/sign-offs.service.js';
import { UsersRepository } from '../users/users.repository.js';

const DAY_MS = 24 * 3600 * 1000;
/** Re-reviews falling due within this many days are listed as "due soon" on a physician's desk. */
const DUE_SOON_DAYS = 30;

export interface DateView {
  iso: string;
  text: string;
}

export interface MyReviewRow {
  assignmentId: string | null;
  articleId: string;
  title: string;
  specialty: string;
  revision: number;
  due: DateView;
  overdue: boolean;
  kind: string;
}

export interface MyReviewsModel {
  requests: MyReviewRow[];
  accepted: MyReviewRow[];
  reReviews: MyReviewRow[];
  empty: boolean;
}

export interface ChangeGroupView extends HeadingChange {
  /** The anchor of the section in the rendered revision below, when the group is a section still there. */
  anchor: string | null;
  /** The words of the group's parts, split for the side-by-side view. */
  sides: { label: string; before: string | null; after: string | null }[];
}

export interface ReviewPageModel {
  assignment: {
    id: string;
    kind: string;
    status: string;
    pending: boolean;
    accepted: boolean;
    closed: boolean;
    due: DateView;
    overdue: boolean;
    declineReason: string | null;
  };
  article: {
    id: string;
    title: string;
    specialty: string;
    status: string;
    revision: number;
    contentHash: string;
    shortHash: string;
    writerName: string;
  };
  changes: {
    /** What the changes are counted from: the reviewer's last sign-off or decision on this article. */
    since: { kind: 'sign-off' | 'decision'; date: DateView; revision: number } | null;
    groups: ChangeGroupView[];
    /** The reviewer signed this very revision before: a re-review of unchanged content. */
    unchangedSinceSignOff: boolean;
  };
  publication: PageViewModel;
  sections: { index: number; heading: string; anchor: string }[];
  comments: CommentRow[];
  sign: { byline: string; meaning: string; canSign: boolean; whyNot: string | null };
  decisions: DecisionRow[];
}

export interface CommentRow {
  id: string;
  authorName: string;
  body: string;
  where: string;
  revision: number | null;
  at: DateView;
  replies: CommentRow[];
}

export interface DecisionRow {
  reviewerName: string;
  decision: string;
  approved: boolean;
  revision: number;
  comments: string | null;
  at: DateView;
}

export interface ReceiptModel {
  article: { id: string; title: string };
  assignmentId: string;
  signOff: {
    id: string;
    revision: number;
    contentHash: string;
    shortHash: string;
    byline: string;
    meaning: string;
    statement: string;
    signedAt: { iso: string; text: string; timeZone: string };
  };
}

export interface ArticleStatePage {
  article: {
    id: string;
    title: string;
    specialty: string;
    status: string;
    revision: number;
    shortHash: string;
    writerName: string;
    nextReviewDue: DateView | null;
    lastReviewed: DateView | null;
  };
  assignments: {
    id: string;
    reviewerName: string;
    kind: string;
    status: string;
    due: DateView;
    declineReason: string | null;
    mine: boolean;
  }[];
  decisions: DecisionRow[];
  signOffs: { id: string; revision: number; shortHash: string; byline: string; current: boolean }[];
  comments: CommentRow[];
  /** The caller signed last and no review is open: he may start the re-review before it falls due. */
  canStartReReview: boolean;
}

/** The statement a signature makes: what the physician attests by signing. */
export function signatureMeaning(revision: number, contentHash: string, title: string): string {
  return `I have medically reviewed revision ${revision} (${contentHash.slice(0, 8)}) of “${title}”`;
}

/**
 * Gathers what the review desk's pages show, from the same services and repositories the JSON API uses. It
 * decides nothing: who may do what is checked by those services when a form is posted; here only who may *see*
 * a page is applied (a reviewer sees his own assignments; the writer and editors see an article's state).
 */
@Injectable()
export class ReviewPagesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly articles: ArticlesRepository,
    private readonly assignments: AssignmentsService,
    private readonly comments: CommentsService,
    private readonly signOffs: SignOffsService,
    private readonly signOffRecords: SignOffsRepository,
    private readonly schedules: OverdueReviews,
    private readonly users: UsersRepository,
    private readonly rendering: PageRendering,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  private get timeZone(): string {
    return this.config.env.PUBLICATION_TIMEZONE;
  }

  private date(instant: Date): DateView {
    return { iso: instant.toISOString(), text: formatReviewDate(instant, this.timeZone) };
  }

  /** "My reviews": requests to answer, accepted reviews and re-reviews due soon or overdue, by due date. */
  async myReviews(user: AuthUser): Promise<MyReviewsModel> {
    const now = this.clock.now();
    const open = await this.dataSource.getRepository(Assignment).find({
      where: { reviewerId: user.id, status: In(['pending', 'accepted']) },
      order: { dueAt: 'ASC', id: 'ASC' },
      take: 200,
    });
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
        due: this.date(assignment.dueAt),
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
          due: this.date(r.dueAt),
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

  /** The assignment, if it is the caller's; anyone else is told it does not exist. */
  async ownAssignment(user: AuthUser, assignmentId: string): Promise<Assignment> {
    const assignment = await this.dataSource
      .getRepository(Assignment)
      .findOne({ where: { id: assignmentId } });
    if (!assignment) throw ApiError.notFound('Review');
    if (assignment.reviewerId !== user.id) {
      throw ApiError.forbidden('This review is assigned to another physician');
    }
    return assignment;
  }

  async isAssignedTo(user: AuthUser, assignmentId: string): Promise<boolean> {
    const assignment = await this.dataSource
      .getRepository(Assignment)
      .findOne({ where: { id: assignmentId } });
    return assignment?.reviewerId === user.id;
  }

  /** The assignment's article id, for a page that only redirects (an editor opening a reviewer's link). */
  async assignmentArticle(assignmentId: string): Promise<string | null> {
    const assignment = await this.dataSource
      .getRepository(Assignment)
      .findOne({ where: { id: assignmentId } });
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
      this.dataSource
        .getRepository(ReviewDecision)
        .find({ where: { articleId: article.id }, order: { createdAt: 'DESC', id: 'DESC' }, take: 100 }),
      this.signOffRecords.listForArticle(article.id),
      this.comments.list(article.id),
    ]);
    const now = this.clock.now();

    const mySignOff = signOffs
      .filter((s) => s.reviewerId === user.id)
      .sort((a, b) => b.signedAt.getTime() - a.signedAt.getTime())[0];
    const myDecision = decisions.find((d) => d.reviewerId === user.id && d.decision === 'request_changes');
    const since = this.baseline(mySignOff, myDecision);
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
    const names = await this.names([
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
        due: this.date(assignment.dueAt),
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
      comments: this.commentRows(comments, names, revision),
      sign: {
        byline: profile
          ? bylineText(
              {
                reviewerDisplayName: profile.displayName,
                reviewerCredentials: profile.credentials,
                reviewerAffiliation: profile.affiliation,
                signedAt: now,
              },
              this.timeZone,
            )
          : '',
        meaning: signatureMeaning(revision.number, revision.contentHash, article.title),
        canSign: !!profile,
        whyNot: profile
          ? null
          : 'You have no reviewer profile with a licence on file; an admin must add it before you can sign.',
      },
      decisions: decisions.map((d) => this.decisionRow(d, names)),
    };
  }

  private baseline(
    signOff: SignOff | undefined,
    decision: ReviewDecision | undefined,
  ): ReviewPageModel['changes']['since'] {
    const fromSignOff = signOff
      ? {
          kind: 'sign-off' as const,
          date: this.date(signOff.signedAt),
          revision: signOff.revisionNumber,
          at: signOff.signedAt,
        }
      : null;
    const fromDecision = decision
      ? {
          kind: 'decision' as const,
          date: this.date(decision.createdAt),
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

  private async names(ids: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(ids)];
    const users = await Promise.all(unique.map((id) => this.users.findById(id)));
    return new Map(users.filter((u) => !!u).map((u) => [u.id, u.name]));
  }

  private commentRows(
    comments: CommentView[],
    names: Map<string, string>,
    revision: Revision | null,
  ): CommentRow[] {
    const row = (comment: CommentView): CommentRow => {
      const heading =
        comment.sectionIndex === null
          ? null
          : (revision?.content.sections[comment.sectionIndex]?.heading ??
            `Section ${comment.sectionIndex + 1}`);
      return {
        id: comment.id,
        authorName: names.get(comment.authorId) ?? 'Someone',
        body: comment.body,
        where: heading ? `On “${heading}”` : 'On the whole article',
        revision: comment.revision,
        at: this.date(comment.createdAt),
        replies: comment.replies.map(row),
      };
    };
    return comments.map(row);
  }

  private decisionRow(decision: ReviewDecision, names: Map<string, string>): DecisionRow {
    return {
      reviewerName: names.get(decision.reviewerId) ?? 'A reviewer',
      decision: decision.decision === 'approve' ? 'Approved and signed' : 'Requested changes',
      approved: decision.decision === 'approve',
      revision: decision.revisionNumber,
      comments: decision.comments,
      at: this.date(decision.createdAt),
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
          text: `${formatReviewDate(signOff.signedAt, this.timeZone)}, ${localTime(signOff.signedAt, this.timeZone)}`,
          timeZone: this.timeZone,
        },
      },
    };
  }

  /** The article's review state, read-only: for its writer, editors and the physicians who reviewed it. */
  async articleState(user: AuthUser, articleId: string): Promise<ArticleStatePage> {
    const article = await this.articles.findById(articleId);
    if (!article) throw ApiError.notFound('Article');
    const [assignments, decisions, signOffs, comments, revision] = await Promise.all([
      this.dataSource
        .getRepository(Assignment)
        .find({ where: { articleId }, order: { createdAt: 'DESC', id: 'DESC' }, take: 100 }),
      this.dataSource
        .getRepository(ReviewDecision)
        .find({ where: { articleId }, order: { createdAt: 'DESC', id: 'DESC' }, take: 100 }),
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
    const names = await this.names([
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
        nextReviewDue: schedule ? this.date(schedule) : null,
        lastReviewed: article.lastReviewedAt ? this.date(article.lastReviewedAt) : null,
      },
      assignments: assignments.map((a) => ({
        id: a.id,
        reviewerName: names.get(a.reviewerId) ?? 'A reviewer',
        kind: a.kind === 're_review' ? 'Re-review' : 'Review',
        status: a.status,
        due: this.date(a.dueAt),
        declineReason: a.declineReason,
        mine: a.reviewerId === user.id,
      })),
      decisions: decisions.map((d) => this.decisionRow(d, names)),
      signOffs: signOffs.map((s) => ({
        id: s.id,
        revision: s.revisionNumber,
        shortHash: s.contentHash.slice(0, 8),
        byline: this.signOffs.byline(s),
        current: s.revisionNumber === article.currentRevision && s.contentHash === revision?.contentHash,
      })),
      comments: this.commentRows(comments, names, revision),
      canStartReReview:
        !!latest &&
        latest.reviewerId === user.id &&
        !anyOpen &&
        ['published', 'approved'].includes(article.status),
    };
  }

  /** The open review of this article that is the caller's, if any (where the re-review link leads). */
  async openAssignmentOf(user: AuthUser, articleId: string): Promise<string | null> {
    const open = await this.dataSource
      .getRepository(Assignment)
      .findOne({ where: { articleId, reviewerId: user.id, status: In(['pending', 'accepted']) } });
    return open?.id ?? null;
  }

  async verify(user: AuthUser, articleId: string, signOffId: string) {
    await this.articleState(user, articleId);
    return this.signOffs.verify(articleId, signOffId);
  }
}

function flatten(comments: CommentView[]): CommentView[] {
  return comments.flatMap((c) => [c, ...flatten(c.replies)]);
}

function localTime(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    hour: 'numeric',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
  }).format(instant);
}
