import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../core/config/app-config.js';
import { Clock } from '../core/clock/clock.js';
import type { TransactionContext } from '../core/database/transaction.js';
import { Publication } from './publication.entity.js';
import { PublishingQueue } from './publishing.queue.js';
import { WebhookDelivery } from './webhook-delivery.entity.js';

export const SITE_TARGET = 'site';
export const DIRECTORY_TARGET = 'directory';

export interface PublicationInput {
  articleId: string;
  action: Publication['action'];
  revisionNumber: number;
  signOffId: string | null;
  htmlChecksum: string | null;
  actorId: string | null;
}

/**
 * Records one Publication per target (the service's own site, the directory export, each webhook URL) and a
 * pending WebhookDelivery per webhook; after commit, asks for the directory sync and the deliveries.
 */
@Injectable()
export class PublicationRecorder {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly queue: PublishingQueue,
  ) {}

  targets(): string[] {
    return [SITE_TARGET, DIRECTORY_TARGET, ...this.config.env.WEBHOOK_URLS];
  }

  async record(
    tx: EntityManager,
    ctx: TransactionContext,
    inputs: PublicationInput[],
    options: { syncDirectory: boolean },
  ): Promise<Publication[]> {
    if (!inputs.length) return [];
    const createdAt = this.clock.now();
    const publications = tx.getRepository(Publication);
    const rows = await publications.save(
      inputs.flatMap((input) =>
        this.targets().map((target) => publications.create({ ...input, target, createdAt })),
      ),
      { chunk: 500 },
    );
    const webhookUrls = new Set(this.config.env.WEBHOOK_URLS);
    const deliveries = tx.getRepository(WebhookDelivery);
    const pending = await deliveries.save(
      rows
        .filter((row) => webhookUrls.has(row.target))
        .map((row) =>
          deliveries.create({
            articleId: row.articleId,
            publicationId: row.id,
            url: row.target,
            event: row.action === 'unpublish' ? 'unpublish' : 'publish',
            status: 'pending',
            attempts: 0,
          }),
        ),
      { chunk: 500 },
    );
    if (options.syncDirectory) ctx.afterCommit(() => this.queue.syncDirectory());
    if (pending.length) ctx.afterCommit(() => this.queue.deliverWebhooks(pending.map((d) => d.id)));
    return rows;
  }
}
