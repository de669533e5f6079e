import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Article } from '../articles/article.entity.js';
import { AppConfig } from '../core/config/app-config.js';
import type { TransactionContext } from '../core/database/transaction.js';
import { NotificationsService, type OutgoingEmail } from '../notifications/notifications.service.js';
import { formatReviewDate } from '../sign-offs/byline.js';
import { User } from '../users/user.entity.js';
import { UsersRepository } from '../users/users.repository.js';

/** The emails of the review workflow, written to the outbox in the transaction of the change that causes them. */
@Injectable()
export class ReviewEmails {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly users: UsersRepository,
    private readonly config: AppConfig,
  ) {}

  private articleUrl(article: Article): string {
    return `${this.config.env.PUBLIC_BASE_URL}/articles/${article.id}/preview?revision=${article.currentRevision}`;
  }

  private async user(tx: EntityManager, id: string): Promise<User | null> {
    return tx.getRepository(User).findOne({ where: { id } });
  }

  /** To the reviewer: please review this revision. */
  async reviewRequested(
    tx: EntityManager,
    ctx: TransactionContext,
    article: Article,
    reviewerId: string,
    assignmentId: string,
    dueAt: Date,
  ) {
    const reviewer = await this.user(tx, reviewerId);
    if (!reviewer) return;
    await this.send(tx, ctx, [
      {
        dedupeKey: `review-requested:${assignmentId}:r${article.currentRevision}:${reviewer.id}`,
        template: 'review-requested',
        to: { address: reviewer.email, userId: reviewer.id },
        articleId: article.id,
        context: {
          recipientName: reviewer.name,
          articleTitle: article.title,
          reviewerName: reviewer.name,
          dueDateText: formatReviewDate(dueAt, this.config.env.PUBLICATION_TIMEZONE),
          reviewUrl: this.articleUrl(article),
        },
      },
    ]);
  }

  /** To every editor: an article is waiting for a reviewer to be assigned. */
  async needsReviewer(tx: EntityManager, ctx: TransactionContext, article: Article, dueAt: Date) {
    const editors = await this.users.findActiveByRole('editor', tx);
    await this.send(
      tx,
      ctx,
      editors.map((editor) => ({
        dedupeKey: `needs-reviewer:${article.id}:r${article.currentRevision}:${editor.id}`,
        template: 'review-requested' as const,
        to: { address: editor.email, userId: editor.id },
        articleId: article.id,
        context: {
          recipientName: editor.name,
          articleTitle: article.title,
          reviewerName: 'a reviewer (not yet assigned)',
          dueDateText: formatReviewDate(dueAt, this.config.env.PUBLICATION_TIMEZONE),
          reviewUrl: this.articleUrl(article),
        },
      })),
    );
  }

  /** To every editor: a reviewer declined, the article needs another one. */
  async declined(
    tx: EntityManager,
    ctx: TransactionContext,
    article: Article,
    assignmentId: string,
    reviewerName: string,
    reason: string,
  ) {
    const editors = await this.users.findActiveByRole('editor', tx);
    await this.send(
      tx,
      ctx,
      editors.map((editor) => ({
        dedupeKey: `review-declined:${assignmentId}:${editor.id}`,
        template: 'review-declined' as const,
        to: { address: editor.email, userId: editor.id },
        articleId: article.id,
        context: {
          recipientName: editor.name,
          articleTitle: article.title,
          reviewerName,
          reason,
          articleUrl: this.articleUrl(article),
        },
      })),
    );
  }

  /** To the writer: the reviewer asked for changes. */
  async changesRequested(
    tx: EntityManager,
    ctx: TransactionContext,
    article: Article,
    decisionId: string,
    reviewerName: string,
    comments: string,
  ) {
    const writer = await this.user(tx, article.authorId);
    if (!writer) return;
    await this.send(tx, ctx, [
      {
        dedupeKey: `changes-requested:${decisionId}`,
        template: 'changes-requested',
        to: { address: writer.email, userId: writer.id },
        articleId: article.id,
        context: {
          recipientName: writer.name,
          articleTitle: article.title,
          reviewerName,
          comments,
          articleUrl: this.articleUrl(article),
        },
      },
    ]);
  }

  /** To the writer: the article was approved and signed. */
  async approved(
    tx: EntityManager,
    ctx: TransactionContext,
    article: Article,
    signOffId: string,
    reviewerName: string,
    byline: string,
  ) {
    const writer = await this.user(tx, article.authorId);
    if (!writer) return;
    await this.send(tx, ctx, [
      {
        dedupeKey: `approved:${signOffId}`,
        template: 'approved',
        to: { address: writer.email, userId: writer.id },
        articleId: article.id,
        context: {
          recipientName: writer.name,
          articleTitle: article.title,
          reviewerName,
          byline,
          articleUrl: this.articleUrl(article),
        },
      },
    ]);
  }

  private async send(tx: EntityManager, ctx: TransactionContext, emails: OutgoingEmail[]): Promise<void> {
    if (emails.length) await this.notifications.queue(tx, ctx, emails);
  }
}
