import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { UnrecoverableError } from 'bullmq';
import { Repository } from 'typeorm';
import { AppConfig } from '../core/config/app-config.js';
import { Clock } from '../core/clock/clock.js';
import { bylineText, localIsoDate } from '../sign-offs/byline.js';
import { SignOffsRepository } from '../sign-offs/sign-offs.repository.js';
import { articleUrl } from './page-view-model.js';
import { PageRendering } from './page-rendering.service.js';
import { Publication } from './publication.entity.js';
import { PublishedPagesRepository } from './published-pages.repository.js';
import { WEBHOOK_SIGNATURE_HEADER, signWebhookBody } from './webhook-signature.js';
import { WebhookDelivery } from './webhook-delivery.entity.js';

const TIMEOUT_MS = 10_000;

export interface DeliveryAttempt {
  /** 1 for the first try. */
  attempt: number;
  maxAttempts: number;
}

export type DeliveryOutcome = 'delivered' | 'skipped' | 'superseded';

/** A receiver's answer that retrying cannot fix (400, 401, 404, …); 408, 429 and 5xx are retried. */
function permanent(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** POSTs pages to the WEBHOOK_URLS, signed with WEBHOOK_SECRET, and records every attempt. */
@Injectable()
export class WebhooksService implements OnModuleInit {
  private readonly logger = new Logger('Webhooks');

  constructor(
    @InjectRepository(WebhookDelivery) private readonly deliveries: Repository<WebhookDelivery>,
    @InjectRepository(Publication) private readonly publications: Repository<Publication>,
    private readonly pages: PublishedPagesRepository,
    private readonly signOffs: SignOffsRepository,
    private readonly rendering: PageRendering,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    if (this.config.env.WEBHOOK_URLS.length && !this.config.env.WEBHOOK_SECRET) {
      this.logger.warn('WEBHOOK_URLS is set without WEBHOOK_SECRET: webhooks are sent unsigned');
    }
  }

  listForArticle(articleId: string): Promise<WebhookDelivery[]> {
    return this.deliveries.find({ where: { articleId }, order: { createdAt: 'DESC' } });
  }

  async deliver(deliveryId: string, attempt: DeliveryAttempt): Promise<DeliveryOutcome> {
    const delivery = await this.deliveries.findOne({ where: { id: deliveryId } });
    if (!delivery || delivery.status !== 'pending') return 'skipped';
    const publication = delivery.publicationId
      ? await this.publications.findOne({ where: { id: delivery.publicationId } })
      : null;
    const payload = publication ? await this.payload(delivery, publication) : null;
    if (!payload) {
      await this.deliveries.update(
        { id: delivery.id },
        { status: 'superseded', lastError: 'the page changed again; a newer delivery carries it' },
      );
      return 'superseded';
    }

    const body = JSON.stringify(payload);
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'medical-review-service',
      'x-webhook-event': delivery.event,
      'x-webhook-delivery': delivery.id,
    };
    if (this.config.env.WEBHOOK_SECRET) {
      headers[WEBHOOK_SIGNATURE_HEADER] = signWebhookBody(this.config.env.WEBHOOK_SECRET, body);
    }

    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      status = response.status;
      await response.body?.cancel();
      if (!response.ok) error = `receiver answered ${status}`;
    } catch (cause) {
      error = `request failed: ${(cause as Error).message}`;
    }

    const attempts = delivery.attempts + 1;
    if (!error) {
      await this.deliveries.update(
        { id: delivery.id },
        {
          status: 'delivered',
          attempts,
          responseStatus: status,
          lastError: null,
          deliveredAt: this.clock.now(),
        },
      );
      return 'delivered';
    }
    const giveUp = (status !== null && permanent(status)) || attempt.attempt >= attempt.maxAttempts;
    await this.deliveries.update(
      { id: delivery.id },
      { status: giveUp ? 'failed' : 'pending', attempts, responseStatus: status, lastError: error },
    );
    throw giveUp ? new UnrecoverableError(error) : new Error(error);
  }

  /** What the receiver gets: the page and its metadata, or null when the page has moved on since. */
  private async payload(
    delivery: WebhookDelivery,
    publication: Publication,
  ): Promise<Record<string, unknown> | null> {
    const page = await this.pages.findByArticle(delivery.articleId);
    const base = {
      event: delivery.event,
      action: publication.action,
      deliveryId: delivery.id,
      publicationId: publication.id,
      articleId: delivery.articleId,
      revision: publication.revisionNumber,
      occurredAt: publication.createdAt.toISOString(),
    };
    if (delivery.event === 'unpublish') {
      if (!page || page.live) return null;
      return { ...base, slug: page.slug, url: articleUrl(this.rendering.site, page.slug) };
    }
    if (!page?.live || !page.html || page.htmlChecksum !== publication.htmlChecksum) return null;
    const signOff = await this.signOffs.findById(page.signOffId);
    if (!signOff) return null;
    const timeZone = this.rendering.site.timeZone;
    return {
      ...base,
      slug: page.slug,
      url: articleUrl(this.rendering.site, page.slug),
      title: page.title,
      description: page.description,
      signOffId: signOff.id,
      byline: bylineText(signOff, timeZone),
      lastReviewed: localIsoDate(signOff.signedAt, timeZone),
      reviewedBy: {
        id: signOff.reviewerId,
        name: signOff.reviewerDisplayName,
        credentials: signOff.reviewerCredentials,
        affiliation: signOff.reviewerAffiliation,
      },
      nextReviewDue: page.nextReviewDueAt ? localIsoDate(page.nextReviewDueAt, timeZone) : null,
      modifiedAt: page.modifiedAt.toISOString(),
      htmlChecksum: page.htmlChecksum,
      html: page.html,
    };
  }
}
