import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { whenWorker } from '../core/queues/worker-role.js';
import { EmailAdminController } from './email-admin.controller.js';
import { EmailAdminService } from './email-admin.service.js';
import { EmailJobs } from './email-jobs.js';
import { EmailOutboxRelay } from './email-outbox-relay.js';
import { EmailOutbox } from './email-outbox.entity.js';
import { EmailOutboxRepository } from './email-outbox.repository.js';
import { EmailSender } from './email-sender.js';
import { EmailTemplates } from './email-templates.js';
import { mailTransportProvider } from './mail-transport.js';
import { NotificationsProcessor } from './notifications.processor.js';
import { RelayEmailOutboxJob } from './relay-email-outbox.job.js';
import { SendEmailJob } from './send-email.job.js';
import { NotificationsService } from './notifications.service.js';
import { QueueDashboard } from './queue-dashboard.js';

/**
 * Email: an outbox written in the transaction of the change that causes it, and (in worker processes) the
 * rendering and at-most-once SMTP delivery of its rows. Global: any module may call NotificationsService.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([EmailOutbox])],
  controllers: [EmailAdminController],
  providers: [
    NotificationsService,
    EmailOutboxRepository,
    EmailJobs,
    EmailAdminService,
    QueueDashboard,
    ...whenWorker(
      EmailTemplates,
      mailTransportProvider,
      EmailSender,
      EmailOutboxRelay,
      SendEmailJob,
      RelayEmailOutboxJob,
      NotificationsProcessor,
    ),
  ],
  exports: [NotificationsService, EmailAdminService, QueueDashboard],
})
export class NotificationsModule {}
