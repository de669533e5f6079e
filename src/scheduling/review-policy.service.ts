import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Duration } from 'luxon';
import { DataSource, type EntityManager } from 'typeorm';
import type { Article } from '../articles/article.entity.js';
import { AuditService } from '../audit/audit.service.js';
import type { AuthUser } from '../auth/auth-user.js';
import { AppConfig } from '../core/config/app-config.js';
import { ApiError } from '../core/http/api-error.js';
import { SpecialtyPolicy } from './specialty-policy.entity.js';

export interface CadenceSource {
  cadence: Duration;
  from: 'article' | 'specialty' | 'default';
}

/** Re-review cadence: the article's own, else its specialty's, else the default (REVIEW_CADENCE). */
@Injectable()
export class ReviewPolicyService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  private checkSpecialty(specialty: string): void {
    if (!/^[a-z0-9-]{1,64}$/.test(specialty)) {
      throw ApiError.badRequest('specialty must be lower-case a-z, 0-9 or -', [
        { field: 'specialty', reason: 'invalid' },
      ]);
    }
  }

  /** Articles of the specialty signed from now on use this cadence; existing due dates stay as they are. */
  setSpecialty(actor: AuthUser, specialty: string, cadence: string): Promise<SpecialtyPolicy> {
    this.checkSpecialty(specialty);
    return this.dataSource.transaction(async (tx) => {
      const repo = tx.getRepository(SpecialtyPolicy);
      const before = await repo.findOne({ where: { specialty } });
      const policy = await repo.save(repo.create({ specialty, cadence, updatedById: actor.id }));
      await this.audit.record(tx, {
        actorId: actor.id,
        action: 'review_policy.specialty_changed',
        entityType: 'specialty_policy',
        entityId: specialty,
        before,
        after: policy,
      });
      return policy;
    });
  }

  removeSpecialty(actor: AuthUser, specialty: string): Promise<{ specialty: string; removed: boolean }> {
    this.checkSpecialty(specialty);
    return this.dataSource.transaction(async (tx) => {
      const repo = tx.getRepository(SpecialtyPolicy);
      const before = await repo.findOne({ where: { specialty } });
      if (!before) throw ApiError.notFound('Specialty policy');
      await repo.delete({ specialty });
      await this.audit.record(tx, {
        actorId: actor.id,
        action: 'review_policy.specialty_removed',
        entityType: 'specialty_policy',
        entityId: specialty,
        before,
      });
      return { specialty, removed: true };
    });
  }

  async cadenceFor(
    tx: EntityManager,
    article: Pick<Article, 'reviewCadence' | 'specialty'>,
  ): Promise<CadenceSource> {
    if (article.reviewCadence) return { cadence: Duration.fromISO(article.reviewCadence), from: 'article' };
    const policy = await tx
      .getRepository(SpecialtyPolicy)
      .findOne({ where: { specialty: article.specialty } });
    if (policy) return { cadence: Duration.fromISO(policy.cadence), from: 'specialty' };
    return { cadence: this.config.env.REVIEW_CADENCE, from: 'default' };
  }

  async list(): Promise<{ default: string; specialties: SpecialtyPolicy[] }> {
    const specialties = await this.dataSource
      .getRepository(SpecialtyPolicy)
      .find({ order: { specialty: 'ASC' } });
    return { default: this.config.env.REVIEW_CADENCE.toISO()!, specialties };
  }
}
