import { type ArgumentMetadata, Injectable } from '@nestjs/common';
import type { ArticleContent } from '../articles/article-content.js';
import type { ArticleView, CommentView as ApiComment } from '../articles/article-view.js';
import { CreateArticleDto, UpdateArticleDto } from '../articles/articles.dto.js';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { ArticleDrafts } from '../articles/article-drafts.service.js';
import { ArticleSubmission } from '../articles/article-submission.service.js';
import { ArticlesService } from '../articles/articles.service.js';
import { CommentsService } from '../articles/comments.service.js';
import { hasRole, type AuthUser } from '../auth/auth-user.js';
import { AppConfig } from '../core/config/app-config.js';
import { ApiError } from '../core/http/api-error.js';
import { createValidationPipe, RejectNulBytesPipe } from '../core/http/validation.js';
import { PreviewsService } from '../publishing/previews.service.js';
import { AssignmentsRepository } from '../reviews/assignments.repository.js';
import { formatReviewDate } from '../sign-offs/byline.js';
import { UsersRepository } from '../users/users.repository.js';
import type { CommentView } from './article-editor-view.js';
import { type ArticleForm, requestBodyOf } from './article-form.js';

export interface MyArticleRow {
  id: string;
  title: string;
  specialty: string;
  status: string;
  revision: number;
  updatedAt: { iso: string; text: string };
  reviewerName: string | null;
  /** The latest sign-off's byline, and whether it covers an older revision than the current one. */
  signOff: { byline: string; stale: boolean } | null;
  latestComment: { authorName: string; body: string; at: { iso: string; text: string } } | null;
}

const STATUS_TEXT: Record<string, string> = {
  draft: 'Draft',
  in_review: 'In review',
  changes_requested: 'Changes requested',
  approved: 'Approved',
  published: 'Published',
  archived: 'Archived',
};

const MY_ARTICLES_LIMIT = 100;

/**
 * The writer's pages (`/desk/write…`): gathers what they show and hands what is posted to the services the JSON
 * API uses (ArticleDrafts for create and edit, ArticleSubmission for submit and withdraw; PreviewsService for the preview). The
 * posted form goes through the API's own validation pipe and DTO classes, so a field is refused here for exactly
 * the reason, and under exactly the path, that `PATCH /articles/:id` would name. Who may open an article's
 * editor is the rule of PATCH (its writer, or any editor): ArticlesService.getEditable.
 */
@Injectable()
export class WritePagesService {
  private readonly validation = createValidationPipe();
  private readonly nulBytes = new RejectNulBytesPipe();

  constructor(
    private readonly articles: ArticlesService,
    private readonly drafts: ArticleDrafts,
    private readonly submission: ArticleSubmission,
    private readonly articleRecords: ArticlesRepository,
    private readonly comments: CommentsService,
    private readonly assignments: AssignmentsRepository,
    private readonly users: UsersRepository,
    private readonly previews: PreviewsService,
    private readonly config: AppConfig,
  ) {}

  private date(instant: Date): { iso: string; text: string } {
    return {
      iso: instant.toISOString(),
      text: formatReviewDate(instant, this.config.env.PUBLICATION_TIMEZONE),
    };
  }

  statusText(status: string): string {
    return STATUS_TEXT[status] ?? status;
  }

  /** Only writers start articles (the rule of POST /articles). */
  assertMayCreate(user: AuthUser): void {
    if (!hasRole(user, 'writer')) throw ApiError.forbidden('Only writers can start an article');
  }

  mayCreate(user: AuthUser): boolean {
    return hasRole(user, 'writer');
  }

  /** "My articles": the person's own articles, last changed first, with the open review's physician and the latest comment. */
  async myArticles(user: AuthUser): Promise<MyArticleRow[]> {
    const { items } = await this.articles.list({ author: user.id, limit: MY_ARTICLES_LIMIT });
    const open = await this.assignments.findOpenForArticles(items.map((item) => item.id));
    const latest = await Promise.all(items.map(async (item) => latestOf(await this.comments.list(item.id))));
    const names = await this.names([
      ...[...open.values()].map((assignment) => assignment.reviewerId),
      ...latest.filter((c): c is ApiComment => !!c).map((c) => c.authorId),
    ]);
    return items.map((item, index) => {
      const comment = latest[index];
      const reviewerId = open.get(item.id)?.reviewerId;
      return {
        id: item.id,
        title: item.title,
        specialty: item.specialty,
        status: this.statusText(item.status),
        revision: item.currentRevision,
        updatedAt: this.date(new Date(item.updatedAt)),
        reviewerName: reviewerId ? (names.get(reviewerId) ?? 'A reviewer') : null,
        signOff: item.signOff
          ? { byline: item.signOff.byline, stale: item.signOff.status === 'stale' }
          : null,
        latestComment: comment
          ? {
              authorName: names.get(comment.authorId) ?? 'Someone',
              body: comment.body,
              at: this.date(new Date(comment.createdAt)),
            }
          : null,
      };
    });
  }

  /** The article, if the person may edit it (its writer or an editor), as PATCH would decide: else 403 or 404. */
  editable(user: AuthUser, id: string): Promise<ArticleView> {
    return this.articles.getEditable(user, id);
  }

  /**
   * The reviewers' comments beside the sections of the form they are about: a comment on a section of an older
   * revision is placed beside the section that now has the same heading (or the same place, when no heading
   * matches). Comments on the whole article are under -1.
   */
  async commentsBySection(
    articleId: string,
    sections: { heading: string }[],
  ): Promise<Map<number, CommentView[]>> {
    const threads = await this.comments.list(articleId);
    const all = flatten(threads);
    const names = await this.names(all.map((c) => c.authorId));
    const headings = new Map<number, string[]>();
    for (const number of new Set(all.map((c) => c.revision).filter((n): n is number => n !== null))) {
      const revision = await this.articleRecords.findRevision(articleId, number);
      headings.set(number, revision?.content.sections.map((s) => s.heading) ?? []);
    }
    const placed = new Map<number, CommentView[]>();
    for (const comment of all) {
      let index = -1;
      let where = 'On the whole article';
      if (comment.sectionIndex !== null) {
        const heading =
          comment.revision === null ? undefined : headings.get(comment.revision)?.[comment.sectionIndex];
        const byHeading = heading === undefined ? -1 : sections.findIndex((s) => s.heading === heading);
        index =
          byHeading >= 0 ? byHeading : comment.sectionIndex < sections.length ? comment.sectionIndex : -1;
        where = heading ? `On “${heading}”` : `On section ${comment.sectionIndex + 1}`;
      }
      const list = placed.get(index) ?? [];
      list.push({
        authorName: names.get(comment.authorId) ?? 'Someone',
        body: comment.body,
        at: this.date(new Date(comment.createdAt)),
        revision: comment.revision,
        where,
      });
      placed.set(index, list);
    }
    return placed;
  }

  /** The form as the JSON API would receive it, checked by the API's pipes: the DTO, or the API's 400. */
  private async validated<T>(form: ArticleForm, type: new () => T, forCreate: boolean): Promise<T> {
    const metadata: ArgumentMetadata = { type: 'body', metatype: type, data: undefined };
    const body = this.nulBytes.transform(requestBodyOf(form, { forCreate }), metadata);
    return (await this.validation.transform(body, metadata)) as T;
  }

  async create(user: AuthUser, form: ArticleForm): Promise<ArticleView> {
    this.assertMayCreate(user);
    return this.drafts.create(user, await this.validated(form, CreateArticleDto, true));
  }

  /** Saves the form as the next revision on top of `version` (stale: 412, nothing written). */
  async save(user: AuthUser, id: string, version: string, form: ArticleForm): Promise<ArticleView> {
    const dto = await this.validated(form, UpdateArticleDto, false);
    return this.drafts.edit(user, id, ifMatch(version), dto);
  }

  /** Saves what the form holds (nothing new if it is unchanged), then submits that revision for review. */
  async saveAndSubmit(user: AuthUser, id: string, version: string, form: ArticleForm): Promise<ArticleView> {
    const current = await this.articles.getEditable(user, id);
    let saved = current;
    if (current.status === 'draft' || current.status === 'changes_requested') {
      saved = await this.save(user, id, version, form);
    }
    return this.submission.submit(user, id, ifMatch(String(saved.version)));
  }

  withdraw(user: AuthUser, id: string, version: string): Promise<ArticleView> {
    return this.submission.withdraw(user, id, version ? ifMatch(version) : undefined);
  }

  /** The saved revision through the publication's own templates, with the "not medically reviewed" banner. */
  async preview(user: AuthUser, id: string): Promise<string> {
    await this.editable(user, id);
    return this.previews.preview(id);
  }

  /** The newer revision a stale save ran into. */
  async current(
    user: AuthUser,
    id: string,
  ): Promise<{ content: ArticleContent; version: number; revision: number }> {
    const article = await this.editable(user, id);
    return { content: article.content, version: article.version, revision: article.currentRevision };
  }

  private async names(ids: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(ids)];
    const users = await Promise.all(unique.map((id) => this.users.findById(id)));
    return new Map(users.filter((u) => !!u).map((u) => [u.id, u.name]));
  }
}

/** The version a form carries as the If-Match the API expects (a hand-edited one is refused by the API's parser). */
function ifMatch(version: string): string {
  return /^\d{1,9}$/.test(version) ? `"${version}"` : version;
}

function flatten(comments: ApiComment[]): ApiComment[] {
  return comments.flatMap((c) => [c, ...flatten(c.replies)]);
}

function latestOf(threads: ApiComment[]): ApiComment | null {
  const all = flatten(threads);
  return all.reduce<ApiComment | null>(
    (latest, c) => (!latest || new Date(c.createdAt) >= new Date(latest.createdAt) ? c : latest),
    null,
  );
}
