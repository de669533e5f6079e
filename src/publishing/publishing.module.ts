import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ArticlesModule } from '../articles/articles.module.js';
import { whenWorker } from '../core/queues/worker-role.js';
import { SignOffsModule } from '../sign-offs/sign-offs.module.js';
import { DirectoryExportService } from './directory-export.service.js';
import { ExportFolderRemoval } from './export-folder-removal.js';
import { ExportPageWriter } from './export-page-writer.js';
import { ExportRenderBatches } from './export-render-batches.js';
import { ExportsController } from './exports.controller.js';
import { PageRendering } from './page-rendering.service.js';
import { PageSources } from './page-sources.js';
import { PublicSiteController } from './public-site.controller.js';
import { PublicPageCache } from './public-page-cache.js';
import { PublicPageRoute } from './public-page-route.js';
import { PublicSiteService } from './public-site.service.js';
import { PublicationRecorder } from './publication-recorder.js';
import { Publication } from './publication.entity.js';
import { PublishedPage } from './published-page.entity.js';
import { PublishedPagesRepository } from './published-pages.repository.js';
import { PublishingController } from './publishing.controller.js';
import { DeliverWebhookJob } from './deliver-webhook.job.js';
import { ExportAllJob } from './export-all.job.js';
import { PublishingProcessor } from './publishing.processor.js';
import { ScheduledPublishJob } from './scheduled-publish.job.js';
import { PublishingQueue } from './publishing.queue.js';
import { PublishingDesk } from './publishing-desk.service.js';
import { RerenderedPagesStore } from './rerendered-pages.store.js';
import { PublishingService } from './publishing.service.js';
import { LivePages } from './live-pages.service.js';
import { PreviewsService } from './previews.service.js';
import { PublishGate } from './publish-gate.js';
import { ScheduledPublishesRepository } from './scheduled-publishes.repository.js';
import { ScheduledPublishing } from './scheduled-publishing.service.js';
import { ScheduledPublish } from './scheduled-publish.entity.js';
import { WebhookDelivery } from './webhook-delivery.entity.js';
import { WebhooksService } from './webhooks.service.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([PublishedPage, ScheduledPublish, Publication, WebhookDelivery]),
    ArticlesModule,
    SignOffsModule,
  ],
  controllers: [PublishingController, ExportsController, PublicSiteController],
  providers: [
    PageRendering,
    PublishedPagesRepository,
    PageSources,
    PublishingQueue,
    PublicationRecorder,
    PublishGate,
    ScheduledPublishesRepository,
    ScheduledPublishing,
    PublishingService,
    LivePages,
    PreviewsService,
    PublishingDesk,
    DirectoryExportService,
    ExportPageWriter,
    ExportFolderRemoval,
    ExportRenderBatches,
    RerenderedPagesStore,
    WebhooksService,
    PublicSiteService,
    PublicPageCache,
    PublicPageRoute,
    ...whenWorker(ScheduledPublishJob, DeliverWebhookJob, ExportAllJob, PublishingProcessor),
  ],
  exports: [
    PublishGate,
    PublishingService,
    ScheduledPublishing,
    LivePages,
    PreviewsService,
    PublishingDesk,
    DirectoryExportService,
    PageRendering,
  ],
})
export class PublishingModule {}
