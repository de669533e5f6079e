import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ScheduledPublish } from './scheduled-publish.entity.js';

/** The one pending publish time per article (PostgreSQL holds it; the delayed job only mirrors it). */
@Injectable()
export class ScheduledPublishesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private repo(tx?: EntityManager) {
    return (tx ?? this.dataSource.manager).getRepository(ScheduledPublish);
  }

  findForArticle(articleId: string, tx?: EntityManager): Promise<ScheduledPublish | null> {
    return this.repo(tx).findOne({ where: { articleId } });
  }

  /** Replaces the article's schedule (one per article). */
  save(
    tx: EntityManager,
    values: Pick<ScheduledPublish, 'articleId' | 'publishAt' | 'revisionNumber' | 'requestedById'>,
  ): Promise<ScheduledPublish> {
    const repo = this.repo(tx);
    return repo.save(repo.create(values));
  }

  async remove(tx: EntityManager, articleId: string): Promise<void> {
    await this.repo(tx).delete({ articleId });
  }

  all(): Promise<ScheduledPublish[]> {
    return this.repo().find({ order: { publishAt: 'ASC' } });
  }
}
