import { UsersModule } from '../users/users.module.js';
import { ImportWriter } from './import-writer.js';
import { Module } from '@nestjs/common';
import { ArticlesModule } from '../articles/articles.module.js';
import { PublishingModule } from '../publishing/publishing.module.js';
import { SchedulingModule } from '../scheduling/scheduling.module.js';
import { AttestedReviewSourceProvider } from './attested-review-source.provider.js';
import { AttestedReviewsService } from './attested-reviews.service.js';
import { ImportsController } from './imports.controller.js';
import { ImportsRepository } from './imports.repository.js';
import { ImportsService } from './imports.service.js';

/** Moving a site in: each source parsed as an article, its past review kept as an attested review. */
@Module({
  imports: [ArticlesModule, SchedulingModule, PublishingModule, UsersModule],
  controllers: [ImportsController],
  providers: [
    ImportsRepository,
    ImportsService,
    ImportWriter,
    AttestedReviewsService,
    AttestedReviewSourceProvider,
  ],
  exports: [ImportsService],
})
export class ImportsModule {}
