import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditCheckpointFiles } from '../audit/audit-checkpoint-files.js';
import { AuditEvent } from '../audit/audit-event.entity.js';
import { AuditService } from '../audit/audit.service.js';
import { ClockModule } from '../core/clock/clock.js';
import { ConfigModule } from '../core/config/config.module.js';
import { DatabaseModule } from '../core/database/database.module.js';
import { QueuesModule } from '../core/queues/queues.module.js';
import { RedisModule } from '../core/redis/redis.module.js';
import { DirectoryExportService } from '../publishing/directory-export.service.js';
import { ExportFolderRemoval } from '../publishing/export-folder-removal.js';
import { ExportPageWriter } from '../publishing/export-page-writer.js';
import { ExportRenderBatches } from '../publishing/export-render-batches.js';
import { PageRendering } from '../publishing/page-rendering.service.js';
import { PageSources } from '../publishing/page-sources.js';
import { Publication } from '../publishing/publication.entity.js';
import { PublicationRecorder } from '../publishing/publication-recorder.js';
import { PublishedPage } from '../publishing/published-page.entity.js';
import { PublishedPagesRepository } from '../publishing/published-pages.repository.js';
import { PublishingQueue } from '../publishing/publishing.queue.js';
import { RerenderedPagesStore } from '../publishing/rerendered-pages.store.js';
import { WebhookDelivery } from '../publishing/webhook-delivery.entity.js';
import { ReviewerProfile } from '../users/reviewer-profile.entity.js';
import { User } from '../users/user.entity.js';
import { UsersRepository } from '../users/users.repository.js';

/**
 * The export process's application context: only what `DirectoryExportService.run` reaches (the database, the
 * publishing queue that re-render publications enqueue their deliveries on, the audit trail, the templates),
 * not the whole AppModule. Booting AppModule loaded every controller, DTO (class-validator), the HTTP stack and
 * every module's providers, seconds of CPU before the first page; the export itself is the same code.
 * No controllers, no queue workers, no bootstrap hooks of other modules (the export's parent ran migrations).
 */
@Module({
  imports: [
    ConfigModule,
    ClockModule,
    DatabaseModule,
    RedisModule,
    QueuesModule,
    TypeOrmModule.forFeature([PublishedPage, Publication, WebhookDelivery, AuditEvent, User, ReviewerProfile]),
  ],
  providers: [
    AuditService,
    AuditCheckpointFiles,
    UsersRepository,
    PageRendering,
    PublishedPagesRepository,
    PageSources,
    PublishingQueue,
    PublicationRecorder,
    RerenderedPagesStore,
    ExportPageWriter,
    ExportRenderBatches,
    ExportFolderRemoval,
    DirectoryExportService,
  ],
})
export class ExportProcessModule {}
