import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Article } from './article.entity.js';
import { ArticleWorkflow } from './article-workflow.js';
import { ArticleReadCache } from './article-read-cache.js';
import { AttestedReviewSources } from './attested-review-source.js';
import { ArticlesController } from './articles.controller.js';
import { ArticlesRepository } from './articles.repository.js';
import { ArticleDrafts } from './article-drafts.service.js';
import { ArticleSubmission } from './article-submission.service.js';
import { ArticlesService } from './articles.service.js';
import { Comment } from './comment.entity.js';
import { CommentsController } from './comments.controller.js';
import { CommentsRepository } from './comments.repository.js';
import { CommentsService } from './comments.service.js';
import { LastWrittenArticles } from './last-written-articles.js';
import { Revision } from './revision.entity.js';

/** Drafting: structured articles, immutable revisions, diffs, comments and the author's side of review. */
@Module({
  imports: [TypeOrmModule.forFeature([Article, Revision, Comment])],
  controllers: [ArticlesController, CommentsController],
  providers: [
    ArticlesRepository,
    ArticleWorkflow,
    ArticlesService,
    ArticleReadCache,
    AttestedReviewSources,
    ArticleDrafts,
    LastWrittenArticles,
    ArticleSubmission,
    CommentsRepository,
    CommentsService,
  ],
  exports: [
    ArticlesRepository,
    ArticleWorkflow,
    ArticlesService,
    ArticleDrafts,
    ArticleSubmission,
    AttestedReviewSources,
    CommentsService,
  ],
})
export class ArticlesModule {}
