import formbody from '@fastify/formbody';
import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { FastifyInstance } from 'fastify';
import { DeskCsrf, DeskErrorFilter, DeskGuard } from './desk-access.js';
import { DeskForms } from './desk-forms.js';
import { DeskPages } from './desk-pages.js';
import { DeskSession } from './desk-session.entity.js';
import { DeskSessionsService } from './desk-sessions.service.js';
import { DeskController } from './desk.controller.js';
import { ArticlesModule } from '../articles/articles.module.js';
import { PublishingModule } from '../publishing/publishing.module.js';
import { ReviewsModule } from '../reviews/reviews.module.js';
import { SchedulingModule } from '../scheduling/scheduling.module.js';
import { SignOffsModule } from '../sign-offs/sign-offs.module.js';
import { ReviewPagesController } from './review-pages.controller.js';
import { ArticleStatePages } from './article-state.service.js';
import { MyReviewsPage } from './my-reviews.service.js';
import { ReviewPageParts } from './review-page-parts.js';
import { ReviewPageCache } from './review-page-cache.js';
import { ReviewStateCache } from './review-state-cache.js';
import { ReviewPagesService } from './review-pages.service.js';
import { ReviewViews } from './review-views.js';
import { EditorPagesController, PublisherPagesController } from './office-pages.controller.js';
import { EditorPagesService } from './editor-pages.service.js';
import { OfficePageParts } from './office-page-parts.js';
import { PublisherPagesService } from './publisher-pages.service.js';
import { OfficeViews } from './office-views.js';
import { WritePagesController } from './write-pages.controller.js';
import { WritePagesService } from './write-pages.service.js';
import { WriteViews } from './write-views.js';

/**
 * The web pages' foundation (`/desk`): browser sessions, CSRF, forms, one layout, and the account pages. The
 * review desk and the newsroom add their pages here, on the same services as the JSON API.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([DeskSession]),
    // The review desk's pages (issue 13): the same services as the JSON API.
    ArticlesModule,
    ReviewsModule,
    SignOffsModule,
    SchedulingModule,
    PublishingModule,
  ],
  controllers: [
    DeskController,
    ReviewPagesController,
    // The editor's and the publisher's pages (issue 14).
    EditorPagesController,
    PublisherPagesController,
    // The writer's pages (issue 14).
    WritePagesController,
  ],
  providers: [
    DeskSessionsService,
    DeskPages,
    DeskForms,
    DeskCsrf,
    DeskGuard,
    DeskErrorFilter,
    ReviewPageParts,
    ReviewPagesService,
    ReviewPageCache,
    ReviewStateCache,
    MyReviewsPage,
    ArticleStatePages,
    ReviewViews,
    // The editor's and the publisher's pages (issue 14).
    OfficePageParts,
    EditorPagesService,
    PublisherPagesService,
    OfficeViews,
    WritePagesService,
    WriteViews,
  ],
  exports: [DeskSessionsService, DeskPages, DeskForms, DeskGuard, DeskErrorFilter, DeskCsrf],
})
export class DeskModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** HTML forms post application/x-www-form-urlencoded; the JSON API keeps its own parser. */
  async onModuleInit(): Promise<void> {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return;
    const fastify = adapter.getInstance<FastifyInstance>();
    if (fastify.hasContentTypeParser('application/x-www-form-urlencoded')) return;
    await fastify.register(formbody);
  }
}
