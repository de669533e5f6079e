import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Duration } from 'luxon';
import { DataSource, type EntityManager } from 'typeorm';
import type { Article } from '../articles/article.entity.js';
import { AuditService } from '../audit/audit.service.js';
import type { AuthUser } from '../auth/auth-user.js';
import { AppConfig } from '../core/config/app-config.js';
import { parseCadence } from './cadence-bounds.js';
import { SchedulingError, SchedulingErrorCode } from './scheduling.exception.js';
import { SpecialtyPoliciesRepository } from './specialty-policies.repository.js';
import type { SpecialtyPolicy } from './specialty-policy.entity.js';

export interface CadenceSource {
  cadence: Duration;
  from: 'article' | 'specialty' | 'default';
}

/** Re-review cadence: the article's own, else its specialty's, else the default (REVIEW_CADENCE). */
@Injectable()
export class ReviewPolicyService {
  private readonly logger = new Logger('ReviewPolicy');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly policies: SpecialtyPoliciesRepository,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  private checkSpecialty(specialty: string): void {
    if (!/^[a-z0-9-]{1,64}$/.test(specialty)) {
      throw new SchedulingError(
        SchedulingErrorCode.InvalidSpecialty,
        'invalid',
        'specialty must be lower-case a-z, 0-9 or -',
        [{ field: 'specialty', reason: 'invalid' }],
      );
    }
  }

  /** Articles of the specialty signed from now on use this cadence; existing due dates stay as they are. */
  setSpecialty(actor: AuthUser, specialty: string, cadence: string): Promise<SpecialtyPolicy> {
    this.checkSpecialty(specialty);
    return this.dataSource.transaction(async (tx) => {
      const before = await this.policies.findBySpecialty(specialty, tx);
      const policy = await this.policies.save(tx, { specialty, cadence, updatedById: actor.id });
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
      const before = await this.policies.findBySpecialty(specialty, tx);
      if (!before) {
        throw new SchedulingError(
          SchedulingErrorCode.PolicyNotFound,
          'not_found',
          'Specialty policy not found',
        );
      }
      await this.policies.remove(tx, specialty);
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

  /**
   * The cadence in force. A stored value outside the bounds (written before they existed, or by hand) is
   * passed over for the next source, so a bad value can never make signing fail.
   */
  async cadenceFor(
    tx: EntityManager,
    article: Pick<Article, 'id' | 'reviewCadence' | 'specialty'>,
  ): Promise<CadenceSource> {
    if (article.reviewCadence) {
      const cadence = parseCadence(article.reviewCadence);
      if (cadence) return { cadence, from: 'article' };
      this.logger.warn(
        `article ${article.id}: stored cadence ${article.reviewCadence} is out of bounds; ignored`,
      );
    }
    const policy = await this.policies.findBySpecialty(article.specialty, tx);
    if (policy) {
      const cadence = parseCadence(policy.cadence);
      if (cadence) return { cadence, from: 'specialty' };
      this.logger.warn(
        `specialty ${policy.specialty}: stored cadence ${policy.cadence} is out of bounds; ignored`,
      );
    }
    return { cadence: this.config.env.REVIEW_CADENCE, from: 'default' };
  }

  async list(): Promise<{ default: string; specialties: SpecialtyPolicy[] }> {
    const specialties = await this.policies.listAll();
    return { default: this.config.env.REVIEW_CADENCE.toISO()!, specialties };
  }
}
