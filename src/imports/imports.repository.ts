import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, type EntityManager } from 'typeorm';
import { UsersRepository } from '../users/users.repository.js';
import { AttestedReview } from './attested-review.entity.js';
import { ImportedSource } from './imported-source.entity.js';

export interface ReviewerMatch {
  userId: string;
  displayName: string;
  credentials: string;
  affiliation: string;
}

/** Credentials compared without dots, spaces or case: "M.D." is "MD". */
export const normaliseCredentials = (credentials: string) => credentials.replace(/[\s.]/g, '').toUpperCase();

/** The import's tables (attested reviews, imported sources) and the reviewer look-up it needs. */
@Injectable()
export class ImportsRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
  ) {}

  findSource(sourceKey: string): Promise<ImportedSource | null> {
    return this.dataSource.getRepository(ImportedSource).findOne({ where: { sourceKey } });
  }

  /** The sources already imported under these keys, by key (one query). */
  async findSources(sourceKeys: string[]): Promise<Map<string, ImportedSource>> {
    if (!sourceKeys.length) return new Map();
    const rows = await this.dataSource
      .getRepository(ImportedSource)
      .find({ where: { sourceKey: In(sourceKeys) } });
    return new Map(rows.map((source) => [source.sourceKey, source]));
  }

  /** How an article was imported: with a source URL, by slug only, or not at all. */
  async importedAs(articleId: string): Promise<'url' | 'slug' | null> {
    const sources = await this.dataSource.getRepository(ImportedSource).find({ where: { articleId } });
    if (!sources.length) return null;
    return sources.some((source) => source.sourceUrl !== null) ? 'url' : 'slug';
  }

  async saveSource(tx: EntityManager, source: ImportedSource): Promise<void> {
    await tx.getRepository(ImportedSource).upsert(source, ['sourceKey']);
  }

  /** A reviewer profile with this display name and these credentials (case, dots and spaces aside). */
  async findReviewer(displayName: string, credentials: string): Promise<ReviewerMatch | null> {
    const rows: ReviewerMatch[] = await this.users.findProfilesNamed(displayName);
    const wanted = normaliseCredentials(credentials);
    return rows.find((row) => normaliseCredentials(row.credentials) === wanted) ?? null;
  }

  async saveSources(tx: EntityManager, sources: ImportedSource[]): Promise<void> {
    if (sources.length) await tx.getRepository(ImportedSource).upsert(sources, ['sourceKey']);
  }

  async insertAttestedMany(tx: EntityManager, reviews: AttestedReview[]): Promise<void> {
    if (reviews.length) await tx.getRepository(AttestedReview).insert(reviews);
  }

  async insertAttested(tx: EntityManager, review: AttestedReview): Promise<void> {
    await tx.getRepository(AttestedReview).insert(review);
  }

  latestAttested(articleId: string): Promise<AttestedReview | null> {
    return this.dataSource
      .getRepository(AttestedReview)
      .findOne({ where: { articleId }, order: { reviewedAt: 'DESC', createdAt: 'DESC' } });
  }

  listAttested(articleId: string): Promise<AttestedReview[]> {
    return this.dataSource
      .getRepository(AttestedReview)
      .find({ where: { articleId }, order: { reviewedAt: 'DESC', createdAt: 'DESC' } });
  }

  findAttested(articleId: string, id: string): Promise<AttestedReview | null> {
    return this.dataSource.getRepository(AttestedReview).findOne({ where: { articleId, id } });
  }
}
