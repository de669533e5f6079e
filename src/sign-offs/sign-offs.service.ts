import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { hashContent } from '../articles/article-content.rules.js';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../core/config/app-config.js';
import type { ReviewerProfile } from '../users/reviewer-profile.entity.js';
import { bylineText } from './byline.js';
import type { SignOff } from './sign-off.entity.js';
import { SignOffError, SignOffErrorCode } from './sign-offs.exception.js';
import { assertMaySign, type ArticleWriters, type SigningCandidate } from './signing-rule.js';
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
  writers: ArticleWriters;
  revision: { number: number; contentHash: string };
  /** The signer as they are now, with their reviewer profile. */
  candidate: SigningCandidate & { profile: ReviewerProfile | null };
  /** The reviewer of the open assignment the signature closes. */
  assignedReviewerId: string | null;
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
   * Records a signature, if the signing rule (signing-rule.ts) lets this reviewer sign this article at this
   * moment. The signature binds exactly one revision by number and content hash, with a snapshot of who the
   * reviewer was at that moment. Sign-offs are never updated or deleted.
   */
  async sign(tx: EntityManager, input: SignInput): Promise<SignOff> {
    const { candidate } = input;
    assertMaySign(candidate, input.writers, input.signedAt, this.config.env.PUBLICATION_TIMEZONE, 'signing', {
      assignedReviewerId: input.assignedReviewerId,
    });
    const profile = candidate.profile!;
    const signOff = await this.signOffs.insert(tx, {
      articleId: input.articleId,
      revisionNumber: input.revision.number,
      contentHash: input.revision.contentHash,
      reviewerId: candidate.userId,
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
      actorId: candidate.userId,
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
    if (!(await this.articles.findById(articleId))) {
      throw new SignOffError(SignOffErrorCode.ArticleNotFound, 'not_found', 'Article not found');
    }
    return (await this.signOffs.listForArticle(articleId)).map((signOff) => this.view(signOff));
  }

  /** Recomputes the hash of the signed revision as stored now, and says whether it still matches the signature. */
  async verify(articleId: string, signOffId: string) {
    const signOff = await this.signOffs.findForArticle(articleId, signOffId);
    if (!signOff) throw new SignOffError(SignOffErrorCode.NotFound, 'not_found', 'Sign-off not found');
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
