import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { hasRole, type AuthUser } from '../auth/auth-user.js';
import { Clock } from '../core/clock/clock.js';
import { inTransaction } from '../core/database/transaction.js';
import { ApiError } from '../core/http/api-error.js';
import { toCommentThreads, type CommentView } from './article-view.js';
import type { Article } from './article.entity.js';
import { ArticlesRepository } from './articles.repository.js';
import { Comment } from './comment.entity.js';
import type { CreateCommentDto } from './comments.dto.js';
import { CommentsRepository } from './comments.repository.js';

/** Threaded comments on an article, optionally about one section of one revision, that can be resolved. */
@Injectable()
export class CommentsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly articles: ArticlesRepository,
    private readonly comments: CommentsRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async create(actor: AuthUser, articleId: string, dto: CreateCommentDto): Promise<CommentView> {
    const article = await this.articles.findById(articleId);
    if (!article) throw ApiError.notFound('Article');
    const revisionNumber = dto.revision ?? article.currentRevision;
    const revision = await this.articles.findRevisionContent(articleId, revisionNumber);
    if (!revision) {
      throw ApiError.badRequest(`Invalid request: check revision`, [
        { field: 'revision', reason: `the article has no revision ${revisionNumber}` },
      ]);
    }
    const sectionCount = revision.content.sections.length;
    if (dto.sectionIndex !== undefined && dto.sectionIndex >= sectionCount) {
      throw ApiError.badRequest('Invalid request: check sectionIndex', [
        {
          field: 'sectionIndex',
          reason: `revision ${revisionNumber} has ${sectionCount} section(s), numbered from 0`,
        },
      ]);
    }
    if (dto.parentId && !(await this.comments.findInArticle(articleId, dto.parentId))) {
      throw ApiError.badRequest('Invalid request: check parentId', [
        { field: 'parentId', reason: 'is not a comment on this article' },
      ]);
    }

    return inTransaction(this.dataSource, async (tx) => {
      const comment = await this.comments.insert(
        tx,
        Object.assign(new Comment(), {
          id: randomUUID(),
          articleId,
          parentId: dto.parentId ?? null,
          authorId: actor.id,
          revisionNumber,
          sectionIndex: dto.sectionIndex ?? null,
          body: dto.body,
          resolvedAt: null,
          resolvedById: null,
          createdAt: this.clock.now(),
        }),
      );
      await this.audit.record(tx, {
        actorId: actor.id,
        action: 'comment.created',
        entityType: 'comment',
        entityId: comment.id,
        articleId,
        after: {
          parentId: comment.parentId,
          revision: comment.revisionNumber,
          sectionIndex: comment.sectionIndex,
          body: comment.body,
        },
      });
      return toCommentThreads([comment])[0];
    });
  }

  /**
   * Top-level comments on revisions the caller has just written in its transaction (the import's problems, one
   * comment each): the revision's section count is passed in, and a section index must fall within it, as
   * `create` requires. One INSERT, and each comment's `comment.created` audit event.
   */
  async createMany(
    tx: EntityManager,
    actor: AuthUser,
    items: readonly {
      articleId: string;
      revisionNumber: number;
      sectionCount: number;
      sectionIndex?: number;
      body: string;
    }[],
  ): Promise<void> {
    const now = this.clock.now();
    const comments = items.map((item) => {
      if (item.sectionIndex !== undefined && item.sectionIndex >= item.sectionCount) {
        throw ApiError.badRequest('Invalid request: check sectionIndex', [
          {
            field: 'sectionIndex',
            reason: `revision ${item.revisionNumber} has ${item.sectionCount} section(s), numbered from 0`,
          },
        ]);
      }
      return Object.assign(new Comment(), {
        id: randomUUID(),
        articleId: item.articleId,
        parentId: null,
        authorId: actor.id,
        revisionNumber: item.revisionNumber,
        sectionIndex: item.sectionIndex ?? null,
        body: item.body,
        resolvedAt: null,
        resolvedById: null,
        createdAt: now,
      });
    });
    await this.comments.insertMany(tx, comments);
    await this.audit.recordMany(
      tx,
      comments.map((comment) => ({
        actorId: actor.id,
        action: 'comment.created' as const,
        entityType: 'comment',
        entityId: comment.id,
        articleId: comment.articleId,
        after: {
          parentId: comment.parentId,
          revision: comment.revisionNumber,
          sectionIndex: comment.sectionIndex,
          body: comment.body,
        },
      })),
    );
  }

  async list(articleId: string): Promise<CommentView[]> {
    if (!(await this.articles.findById(articleId))) throw ApiError.notFound('Article');
    return toCommentThreads(await this.comments.listByArticle(articleId));
  }

  /** The comment threads of an article the caller knows exists (no look-up of the article first). */
  async listForKnownArticle(article: Pick<Article, 'id'>): Promise<CommentView[]> {
    return toCommentThreads(await this.comments.readByArticle(article.id));
  }

  /** Marks a comment resolved: by whoever wrote it, the article's author or an editor. */
  async resolve(actor: AuthUser, articleId: string, commentId: string): Promise<CommentView> {
    const article = await this.articles.findById(articleId);
    if (!article) throw ApiError.notFound('Article');
    return inTransaction(this.dataSource, async (tx) => {
      const comment = await this.comments.lockInArticle(tx, articleId, commentId);
      if (!comment) throw ApiError.notFound('Comment');
      if (comment.authorId !== actor.id && article.authorId !== actor.id && !hasRole(actor, 'editor')) {
        throw ApiError.forbidden(
          "Only the comment's author, the article's author or an editor can resolve it",
        );
      }
      if (comment.resolvedAt) {
        throw ApiError.conflict(
          `The comment is already resolved (since ${comment.resolvedAt.toISOString()})`,
        );
      }
      await this.comments.markResolved(tx, comment, actor.id, this.clock.now());
      await this.audit.record(tx, {
        actorId: actor.id,
        action: 'comment.resolved',
        entityType: 'comment',
        entityId: comment.id,
        articleId,
        before: { resolvedAt: null },
        after: { resolvedAt: comment.resolvedAt, resolvedById: comment.resolvedById },
      });
      return toCommentThreads([comment])[0];
    });
  }
}
