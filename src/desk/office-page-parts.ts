import { Injectable } from '@nestjs/common';

import { DateTime } from 'luxon';

import type { Article } from '../articles/article.entity.js';

import { ArticlesRepository } from '../articles/articles.repository.js';

import { type AuthUser, hasRole } from '../auth/auth-user.js';

import { AppConfig } from '../core/config/app-config.js';

import { ApiError } from '../core/http/api-error.js';

import { formatReviewDate } from '../sign-offs/byline.js';

import type { Role } from '../users/user.entity.js';

import { UsersRepository } from '../users/users.repository.js';

/** Each list of the dashboards shows at most this many rows, and says when there are more. */
export const LIST_CAP = 25;

export interface DateView {
  iso: string;
  text: string;
}

export interface CappedList<T> {
  rows: T[];
  more: boolean;
}

export interface ArticleRow {
  id: string;
  title: string;
  specialty: string;
  revision: number;
  writerName: string;
  updated: DateView;
}

/** Who may open the editor's and the publisher's pages (the same roles the JSON API asks for). */
export const OFFICE_ROLES = {
  editor: ['editor'],
  timeline: ['editor', 'admin'],
  publisher: ['publisher'],
  exports: ['publisher', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

/** What an audit action means on an article's timeline. */
export const TIMELINE_KINDS: Record<string, string> = {
  'article.created': 'Revision',
  'article.edited': 'Revision',
  'article.submitted': 'Submission',
  'article.withdrawn': 'Submission',
  'assignment.created': 'Assignment',
  'assignment.accepted': 'Assignment',
  'assignment.declined': 'Assignment',
  'assignment.cancelled': 'Assignment',
  'assignment.completed': 'Assignment',
  'review.approved': 'Decision',
  'review.changes_requested': 'Decision',
  'sign_off.created': 'Sign-off',
  'article.published': 'Publication',
  'article.rerendered': 'Publication',
  'article.unpublished': 'Publication',
  'article.publish_scheduled': 'Publication',
  'article.scheduled_publish_cancelled': 'Publication',
  'article.scheduled_publish_refused': 'Publication',
  'review_policy.article_changed': 'Policy',
};

export type Json = Record<string, unknown>;

/** What the editor's and the publisher's pages share: role checks, dates, names and capped article lists. */
@Injectable()
export class OfficePageParts {
  constructor(
    private readonly articles: ArticlesRepository,
    private readonly users: UsersRepository,
    private readonly config: AppConfig,
  ) {}

  get timeZone(): string {
    return this.config.env.PUBLICATION_TIMEZONE;
  }

  /** 403 unless the person holds one of the roles. */
  requireRole(user: AuthUser, roles: readonly Role[]): void {
    if (!hasRole(user, ...roles)) {
      throw ApiError.forbidden(`This page is for the ${roles.join(' and ')} role; you do not hold it`);
    }
  }

  date(instant: Date): DateView {
    return { iso: instant.toISOString(), text: formatReviewDate(instant, this.timeZone) };
  }

  dateTime(instant: Date): DateView {
    const local = DateTime.fromJSDate(instant, { zone: this.timeZone });
    return {
      iso: instant.toISOString(),
      text: `${formatReviewDate(instant, this.timeZone)}, ${local.toFormat('h:mm a ZZZZ')}`,
    };
  }

  async names(ids: (string | null | undefined)[]): Promise<Map<string, string>> {
    const unique = [...new Set(ids.filter((id): id is string => !!id))];
    const users = await Promise.all(unique.map((id) => this.users.findById(id)));
    return new Map(users.filter((u) => !!u).map((u) => [u.id, u.name]));
  }

  async articlesIn(status: string, limit: number): Promise<Article[]> {
    return (await this.articles.list({ status, limit })).map((row) => row.article);
  }

  async articleRows(list: Article[]): Promise<ArticleRow[]> {
    const names = await this.names(list.map((a) => a.authorId));
    return list.map((a) => ({
      id: a.id,
      title: a.title,
      specialty: a.specialty,
      revision: a.currentRevision,
      writerName: names.get(a.authorId) ?? 'unknown',
      updated: this.date(a.updatedAt),
    }));
  }

  capped<T>(rows: T[]): CappedList<T> {
    return { rows: rows.slice(0, LIST_CAP), more: rows.length > LIST_CAP };
  }

  async article(id: string): Promise<Article> {
    const article = await this.articles.findById(id);
    if (!article) throw ApiError.notFound('Article');
    return article;
  }
}
