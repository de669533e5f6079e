import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { CommentView } from '../articles/article-view.js';
import { AppConfig } from '../core/config/app-config.js';
import type { ReviewDecision } from '../reviews/review-decision.entity.js';
import { formatReviewDate } from '../sign-offs/byline.js';
import { UsersRepository } from '../users/users.repository.js';
import type { CommentRow, DateView, DecisionRow } from './review-page-models.js';

/** The pieces every review desk page shows the same way: dates, people's names, comments and decisions. */
@Injectable()
export class ReviewPageParts {
  private readonly dateTexts = new LRUCache<number, string>({ max: 10_000 });

  constructor(
    private readonly users: UsersRepository,
    private readonly config: AppConfig,
  ) {}

  get timeZone(): string {
    return this.config.env.PUBLICATION_TIMEZONE;
  }

  /** An instant as the desk prints it; the text is a pure function of the instant (the zone is fixed), so kept. */
  date(instant: Date): DateView {
    const ms = instant.getTime();
    let text = this.dateTexts.get(ms);
    if (text === undefined) {
      text = formatReviewDate(instant, this.timeZone);
      this.dateTexts.set(ms, text);
    }
    return { iso: instant.toISOString(), text };
  }

  /** People's names by id, in one query. */
  names(ids: string[]): Promise<Map<string, string>> {
    return this.users.namesOf(ids);
  }

  commentRows(
    comments: CommentView[],
    names: Map<string, string>,
    revision: { sections: { heading: string }[] } | null,
  ): CommentRow[] {
    const row = (comment: CommentView): CommentRow => {
      const heading =
        comment.sectionIndex === null
          ? null
          : (revision?.sections[comment.sectionIndex]?.heading ?? `Section ${comment.sectionIndex + 1}`);
      return {
        id: comment.id,
        authorName: names.get(comment.authorId) ?? 'Someone',
        body: comment.body,
        where: heading ? `On “${heading}”` : 'On the whole article',
        revision: comment.revision,
        at: this.date(comment.createdAt),
        replies: comment.replies.map(row),
      };
    };
    return comments.map(row);
  }

  decisionRow(decision: ReviewDecision, names: Map<string, string>): DecisionRow {
    return {
      reviewerName: names.get(decision.reviewerId) ?? 'A reviewer',
      decision: decision.decision === 'approve' ? 'Approved and signed' : 'Requested changes',
      approved: decision.decision === 'approve',
      revision: decision.revisionNumber,
      comments: decision.comments,
      at: this.date(decision.createdAt),
    };
  }
}

export function flatten(comments: CommentView[]): CommentView[] {
  return comments.flatMap((c) => [c, ...flatten(c.replies)]);
}

export function localTime(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    hour: 'numeric',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
  }).format(instant);
}
