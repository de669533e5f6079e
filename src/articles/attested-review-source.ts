import { Injectable } from '@nestjs/common';

/** An attested past review of an article, as GET /articles/:id shows it (see ArticleAttestedReviewView). */
export interface AttestedReviewSummary {
  id: string;
  kind: 'attested';
  eSigned: false;
  meaning: string;
  revision: number;
  contentHash: string;
  reviewerName: string;
  credentials: string;
  affiliation: string;
  reviewedOn: string;
  byline: string;
}

/** Where attested reviews come from: the imports module registers one (imports uses articles, not the reverse). */
export interface AttestedReviewSource {
  /** The article's attested reviews, newest first. */
  forArticle(articleId: string): Promise<AttestedReviewSummary[]>;
}

/**
 * The articles module's hook for the reviews other modules hold about an article. Without a registered source
 * (an application context without the imports module) an article simply has none.
 */
@Injectable()
export class AttestedReviewSources {
  private source?: AttestedReviewSource;

  register(source: AttestedReviewSource): void {
    if (this.source) throw new Error('an attested review source is already registered');
    this.source = source;
  }

  forArticle(articleId: string): Promise<AttestedReviewSummary[]> {
    return this.source ? this.source.forArticle(articleId) : Promise.resolve([]);
  }
}
