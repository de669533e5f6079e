import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { hashContent } from '../articles/article-content.rules.js';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../core/config/app-config.js';
import { ApiError } from '../core/http/api-error.js';
import type { ReviewerProfile } from '../users/reviewer-profile.entity.js';
import { bylineText } from './byline.js';
import { licenceValidOn } from './sign-off-rules.js';
import type { SignOff } from './sign-off.entity.js';
import { SignOffsRepository } from './sign-offs.repository.js';

export interface SignOffView {
  id: string;
  articleId: string;
  revision: number;
  contentHash: string;
  reviewer: { id: string; displayName: string; credentials: string; affiliation: string };
  meaning: string;
  signedAt: Date;
  byline: string;
}

export interface SignInput {
  articleId: string;
  authorId: string;
  revision: { number: number; contentHash: string };
  reviewerId: string;
  profile: ReviewerProfile | null;
  decisionId: string;
  signedAt: Date;
}

@Injectable()
export class SignOffsService {
  constructor(
    private readonly signOffs: SignOffsRepository,
    private readonly articles: ArticlesRepository,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /**
   * The sign-off rule: only a reviewer who is not the author, with a reviewer profile and a licence valid on the
   * day of signing, can sign; the signature binds exactly one revision by number and content hash, with a
   * snapshot of who the reviewer was at that moment. Sign-offs are never updated or deleted.
   */
  async sign(tx: EntityManager, input: SignInput): Promise<SignOff> {
    if (input.reviewerId === input.authorId)
      throw ApiError.forbidden('The author of an article can never review or sign it');
    const profile = input.profile;
    if (!profile) {
      throw ApiError.conflict(
        'You have no reviewer profile with a licence on file; an admin must add it before you can sign',
      );
    }
    const timeZone = this.config.env.PUBLICATION_TIMEZONE;
    if (!licenceValidOn(profile.licenseExpiresOn, input.signedAt, timeZone)) {
      throw ApiError.conflict(
        `Your licence ${profile.licenseNumber} expired on ${profile.licenseExpiresOn}; an expired licence cannot sign`,
        [{ field: 'licenseExpiresOn', reason: `expired on ${profile.licenseExpiresOn}` }],
      );
    }
    const signOff = await this.signOffs.insert(tx, {
      articleId: input.articleId,
      revisionNumber: input.revision.number,
      contentHash: input.revision.contentHash,
      reviewerId: input.reviewerId,
      decisionId: input.decisionId,
      reviewerDisplayName: profile.displayName,
      reviewerCredentials: profile.credentials,
      reviewerAffiliation: profile.affiliation,
      licenseNumber: profile.licenseNumber,
      licenseRegion: profile.licenseRegion,
      licenseExpiresOn: profile.licenseExpiresOn,
      meaning: 'medical review',
      signedAt: input.signedAt,
    });
    await this.audit.record(tx, {
      actorId: input.reviewerId,
      action: 'sign_off.created',
      entityType: 'sign_off',
      entityId: signOff.id,
      articleId: input.articleId,
      after: this.view(signOff),
    });
    return signOff;
  }

  view(signOff: SignOff): SignOffView {
    return {
      id: signOff.id,
      articleId: signOff.articleId,
      revision: signOff.revisionNumber,
      contentHash: signOff.contentHash,
      reviewer: {
        id: signOff.reviewerId,
        displayName: signOff.reviewerDisplayName,
        credentials: signOff.reviewerCredentials,
        affiliation: signOff.reviewerAffiliation,
      },
      meaning: signOff.meaning,
      signedAt: signOff.signedAt,
      byline: this.byline(signOff),
    };
  }

  byline(signOff: SignOff): string {
    return bylineText(signOff, this.config.env.PUBLICATION_TIMEZONE);
  }

  async list(articleId: string): Promise<SignOffView[]> {
    if (!(await this.articles.findById(articleId))) throw ApiError.notFound('Article');
    return (await this.signOffs.listForArticle(articleId)).map((signOff) => this.view(signOff));
  }

  /** Recomputes the hash of the signed revision as stored now, and says whether it still matches the signature. */
  async verify(articleId: string, signOffId: string) {
    const signOff = await this.signOffs.findForArticle(articleId, signOffId);
    if (!signOff) throw ApiError.notFound('Sign-off');
    const revision = await this.articles.findRevision(articleId, signOff.revisionNumber);
    const recomputedHash = revision ? hashContent(revision.content) : null;
    const valid = recomputedHash === signOff.contentHash && revision?.contentHash === signOff.contentHash;
    return {
      signOffId: signOff.id,
      articleId,
      revision: signOff.revisionNumber,
      signedHash: signOff.contentHash,
      storedRevisionHash: revision?.contentHash ?? null,
      recomputedHash,
      valid,
      reason: valid
        ? 'The signed revision is unchanged since it was signed'
        : revision
          ? 'The revision content no longer matches the hash that was signed'
          : 'The signed revision no longer exists',
    };
  }
}
