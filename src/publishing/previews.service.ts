import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { AppConfig } from '../core/config/app-config.js';
import { signOffCoverage } from '../sign-offs/sign-off-rules.js';
import { SignOffsRepository } from '../sign-offs/sign-offs.repository.js';
import { PageRendering } from './page-rendering.service.js';
import { PageSources } from './page-sources.js';
import { Publication } from './publication.entity.js';
import { PublishingError, PublishingErrorCode } from './publishing.exception.js';
import { WebhookDelivery } from './webhook-delivery.entity.js';

/** What publishing shows without changing anything: a revision's preview and an article's publication history. */
@Injectable()
export class PreviewsService {
  constructor(
    @InjectRepository(Publication) private readonly publications: Repository<Publication>,
    @InjectRepository(WebhookDelivery) private readonly deliveries: Repository<WebhookDelivery>,
    private readonly articles: ArticlesRepository,
    private readonly signOffs: SignOffsRepository,
    private readonly sources: PageSources,
    private readonly rendering: PageRendering,
    private readonly config: AppConfig,
  ) {}

  /**
   * Any revision rendered with the page templates, a visible banner and noindex. The byline appears only when a
   * valid sign-off covers exactly that revision.
   */
  async preview(articleId: string, revisionNumber?: number): Promise<string> {
    const article = await this.articles.findById(articleId);
    if (!article) throw PublishingError.articleNotFound();
    const number = revisionNumber ?? article.currentRevision;
    const revision = await this.articles.findRevision(articleId, number);
    if (!revision) {
      throw new PublishingError(
        PublishingErrorCode.RevisionNotFound,
        'not_found',
        `Revision ${number} not found`,
      );
    }
    const timeZone = this.config.env.PUBLICATION_TIMEZONE;
    const signOff =
      (await this.signOffs.listForArticle(articleId)).find(
        (candidate) => signOffCoverage(candidate, revision, timeZone).ok,
      ) ?? null;
    const source = await this.sources.forRevision(
      undefined,
      article,
      revision,
      signOff,
      signOff ? article.nextReviewDueAt : null,
    );
    const banner = signOff
      ? `Preview of revision ${number}: this is not the published page.`
      : `Preview of revision ${number}: not medically reviewed. Do not publish or share this page.`;
    return this.rendering.renderPage(source, { banner, noindex: true }).html;
  }

  async history(
    articleId: string,
  ): Promise<{ publications: Publication[]; webhookDeliveries: WebhookDelivery[] }> {
    if (!(await this.articles.findById(articleId))) throw PublishingError.articleNotFound();
    const [publications, webhookDeliveries] = await Promise.all([
      this.publications.find({
        where: { articleId },
        order: { createdAt: 'DESC', target: 'ASC' },
        take: 500,
      }),
      this.deliveries.find({ where: { articleId }, order: { createdAt: 'DESC' }, take: 500 }),
    ]);
    return { publications, webhookDeliveries };
  }
}
