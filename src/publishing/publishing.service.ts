import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ArticlesRepository } from '../articles/articles.repository.js';
import type { AuthUser } from '../auth/auth-user.js';
import { inTransaction } from '../core/database/transaction.js';
import { type PublicationView, PublishGate, notPublishable } from './publish-gate.js';
import { ScheduledPublishing } from './scheduled-publishing.service.js';

export type { PublicationView } from './publish-gate.js';

/**
 * "Publish now": the current revision goes live through the gate (a valid sign-off of exactly that revision), in
 * one transaction with its Publication rows and its audit event; a pending schedule is dropped. Targets
 * (directory, webhooks) are updated by jobs enqueued after the commit. Scheduled publishes, unpublishing and
 * re-rendering, and previews live beside it (scheduled-publishing, live-pages, previews).
 */
@Injectable()
export class PublishingService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly articles: ArticlesRepository,
    private readonly gate: PublishGate,
    private readonly schedules: ScheduledPublishing,
  ) {}

  /** Publishes the current revision now. 409 says what is missing when no valid sign-off covers it. */
  publishNow(actor: AuthUser, articleId: string): Promise<PublicationView> {
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const article = await this.articles.lockById(tx, articleId);
      const gate = await this.gate.check(tx, article);
      if (!gate.ok) throw notPublishable(gate);
      if (gate.inputs.scheduled)
        await this.schedules.drop(tx, ctx, article.id, actor.id, 'published immediately');
      return this.gate.goLive(tx, ctx, article, gate, actor.id);
    });
  }
}
