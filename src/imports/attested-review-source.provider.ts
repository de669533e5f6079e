import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type AttestedReviewSummary, AttestedReviewSources } from '../articles/attested-review-source.js';
import { attestedView } from './attested-reviews.service.js';
import { ImportsRepository } from './imports.repository.js';

/** Gives GET /articles/:id the article's attested reviews (issue #16), through the articles module's hook. */
@Injectable()
export class AttestedReviewSourceProvider implements OnModuleInit {
  constructor(
    private readonly sources: AttestedReviewSources,
    private readonly imports: ImportsRepository,
  ) {}

  onModuleInit(): void {
    this.sources.register({ forArticle: (articleId) => this.forArticle(articleId) });
  }

  private async forArticle(articleId: string): Promise<AttestedReviewSummary[]> {
    return (await this.imports.listAttested(articleId)).map((review) => {
      const view = attestedView(review);
      return {
        id: view.id,
        kind: view.kind,
        eSigned: view.eSigned,
        meaning: view.meaning,
        revision: view.revision,
        contentHash: view.contentHash,
        reviewerName: view.reviewer.displayName,
        credentials: view.reviewer.credentials,
        affiliation: view.reviewer.affiliation,
        reviewedOn: view.reviewedOn,
        byline: view.byline,
      };
    });
  }
}
