import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Article } from '../articles/article.entity.js';
import { AppConfig } from '../core/config/app-config.js';
import type { TransactionContext } from '../core/database/transaction.js';
import {
  type EmailTemplate,
  NotificationsService,
  type OutgoingEmail,
} from '../notifications/notifications.service.js';
import { formatReviewDate } from '../sign-offs/byline.js';
import type { User } from '../users/user.entity.js';
import { UsersRepository } from '../users/users.repository.js';
import { deskArticleUrl, deskPublisherArticleUrl, deskReviewUrl } from './desk-links.js';

/** The emails of the review workflow, written to the outbox in the transaction of the change that causes them. */
@Injectable()
export class ReviewEmails {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly users: UsersRepository,
    private readonly config: AppConfig,
  ) {}

  /** The article's desk page (writers and editors): its state, the reviewers' comments and decisions. */
  private articleUrl(article: Article): string {
    return deskArticleUrl(this.config.env.PUBLIC_BASE_URL, article.id);
  }

  private async user(tx: EntityManager, id: string): Promise<User[]> {
    const user = await this.users.findById(id, tx);
    return user ? [user] : [];
  }

  private editors(tx: EntityManager): Promise<User[]> {
    return this.users.findActiveByRole('editor', tx);
  }

  private dueDateText(dueAt: Date): string {
    return formatReviewDate(dueAt, this.config.env.PUBLICATION_TIMEZONE);
  }

  /** One email per recipient: the same template and context, addressed and keyed to each of them. */
  private async mail(
    tx: EntityManager,
    ctx: TransactionContext,
    article: Article,
    recipients: User[],
    template: EmailTemplate,
    dedupeKey: (recipient: User) => string,
    context: Record<string, unknown>,
  ): Promise<void> {
    const emails: OutgoingEmail[] = recipients.map((recipient) => ({
      dedupeKey: dedupeKey(recipient),
      template,
      to: { address: recipient.email, userId: recipient.id },
      articleId: article.id,
      context: { recipientName: recipient.name, articleTitle: article.title, ...context },
    }));
    if (emails.length) await this.notifications.queue(tx, ctx, emails);
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
    const [reviewer] = await this.user(tx, reviewerId);
    if (!reviewer) return;
    await this.mail(
      tx,
      ctx,
      article,
      [reviewer],
      'review-requested',
      (r) => `review-requested:${assignmentId}:r${article.currentRevision}:${r.id}`,
      {
        reviewerName: reviewer.name,
        dueDateText: this.dueDateText(dueAt),
        reviewUrl: deskReviewUrl(this.config.env.PUBLIC_BASE_URL, assignmentId),
      },
    );
  }

  /** To every editor: an article is waiting for a reviewer to be assigned. */
  async needsReviewer(tx: EntityManager, ctx: TransactionContext, article: Article, dueAt: Date) {
    await this.mail(
      tx,
      ctx,
      article,
      await this.editors(tx),
      'review-requested',
      (editor) => `needs-reviewer:${article.id}:r${article.currentRevision}:${editor.id}`,
      {
        reviewerName: 'a reviewer (not yet assigned)',
        dueDateText: this.dueDateText(dueAt),
        reviewUrl: this.articleUrl(article),
      },
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
    await this.mail(
      tx,
      ctx,
      article,
      await this.editors(tx),
      'review-declined',
      (editor) => `review-declined:${assignmentId}:${editor.id}`,
      { reviewerName, reason, articleUrl: this.articleUrl(article) },
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
    await this.mail(
      tx,
      ctx,
      article,
      await this.user(tx, article.authorId),
      'changes-requested',
      () => `changes-requested:${decisionId}`,
      { reviewerName, comments, articleUrl: this.articleUrl(article) },
    );
  }

  /**
   * An article was approved and signed. The publishers (who alone can publish) get "ready to publish" with a
   * link to the publisher's desk page of the article; the writer gets a short note that it was approved and is
   * with the publishers now (they follow it on the article's page).
   */
  async approved(
    tx: EntityManager,
    ctx: TransactionContext,
    article: Article,
    signOffId: string,
    reviewerName: string,
    byline: string,
  ) {
    await this.mail(
      tx,
      ctx,
      article,
      await this.users.findActiveByRole('publisher', tx),
      'ready-to-publish',
      (publisher) => `ready-to-publish:${signOffId}:${publisher.id}`,
      {
        reviewerName,
        byline,
        publishUrl: deskPublisherArticleUrl(this.config.env.PUBLIC_BASE_URL, article.id),
      },
    );
    await this.mail(
      tx,
      ctx,
      article,
      await this.user(tx, article.authorId),
      'approved',
      () => `approved:${signOffId}`,
      { reviewerName, byline, articleUrl: this.articleUrl(article) },
    );
  }
}
