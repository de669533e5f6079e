import { Injectable, type OnModuleInit } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { CommentView } from '../articles/article-view.js';
import type { Article } from '../articles/article.entity.js';
import { AppConfig } from '../core/config/app-config.js';
import { NotifiedCache } from '../core/database/notified-cache.js';
import { CHANGE_CHANNELS, RowChangeListener } from '../core/database/row-change-listener.js';
import type { Assignment } from '../reviews/assignment.entity.js';
import type { ReviewDecision } from '../reviews/review-decision.entity.js';
import type { SignOff } from '../sign-offs/sign-off.entity.js';
import type { ReviewerProfile } from '../users/reviewer-profile.entity.js';

/** Everything the review page of one assignment reads from PostgreSQL, for its reviewer. */
export interface ReviewState {
  assignment: Assignment;
  article: Article;
  currentHash: string;
  profile: Pick<ReviewerProfile, 'displayName' | 'credentials' | 'affiliation'> | null;
  decisions: ReviewDecision[];
  /** The reader's own sign-offs of the article, newest first. */
  signOffs: SignOff[];
  comments: CommentView[];
  /** The names of the writer, the commenters and the deciders. */
  names: Map<string, string>;
}

/** Articles whose review pages are kept (each with one state per assignment and reader seen). */
const MAX_ARTICLES = 2_000;
/** A backstop only: every change is notified at commit. */
const MAX_AGE_MS = 10 * 60_000;

/**
 * The review pages' data, per API process, so a page view costs no statement: grouped by article, and a group is
 * dropped when PostgreSQL notifies at commit that the article row changed (`articles_changed`: a new revision,
 * status, title) or any of its assignments, decisions, sign-offs or comments (`review_state_changed`, migration
 * DeskCacheNotify), in any process. A change to any user or reviewer profile (`users_changed`: names, bylines)
 * drops everything. This process's own writes drop the group before they commit (LocalWrites,
 * ArticlesRepository's invalidations), and a read that raced a change is not stored (tickets). While the
 * notifications cannot be heard nothing is served from here. Time-dependent parts (overdue, the byline's date)
 * are computed on every request from the state, not kept.
 */
@Injectable()
export class ReviewStateCache implements OnModuleInit {
  private readonly byArticle: NotifiedCache<Map<string, ReviewState>>;
  /** An assignment's article never changes: which group to look in. */
  private readonly articleOf = new LRUCache<string, string>({ max: 50_000 });

  constructor(
    changes: RowChangeListener,
    private readonly config: AppConfig,
  ) {
    this.byArticle = new NotifiedCache<Map<string, ReviewState>>(changes, CHANGE_CHANNELS.reviewState, {
      maxSize: MAX_ARTICLES,
      sizeOf: () => 1,
      maxAgeMs: MAX_AGE_MS,
    });
    changes.subscribe(CHANGE_CHANNELS.articles, this.byArticle);
    const forgetAll = () => this.byArticle.reset();
    changes.subscribe(CHANGE_CHANNELS.users, { changed: forgetAll, reset: forgetAll });
  }

  async onModuleInit(): Promise<void> {
    if (this.config.runsApi) await this.byArticle.start();
  }

  get(assignmentId: string, readerId: string): ReviewState | undefined {
    const articleId = this.articleOf.get(assignmentId);
    if (!articleId) return undefined;
    return this.byArticle.get(articleId)?.get(`${assignmentId}:${readerId}`);
  }

  /** Take before reading: a state read after it may be stored, unless a change was heard meanwhile. */
  ticket(): number {
    return this.byArticle.ticket();
  }

  set(state: ReviewState, readerId: string, ticket: number): void {
    if (ticket !== this.byArticle.ticket()) return;
    const articleId = state.assignment.articleId;
    let group = this.byArticle.get(articleId);
    if (!group) {
      group = new Map();
      this.byArticle.set(articleId, group, ticket);
      // Not stored: not listening, or the article is being changed by this process.
      if (this.byArticle.get(articleId) !== group) return;
    }
    group.set(`${state.assignment.id}:${readerId}`, state);
    this.articleOf.set(state.assignment.id, articleId);
  }

  /** Articles held (for tests). */
  get articles(): number {
    return this.byArticle.stats.entries;
  }
}
