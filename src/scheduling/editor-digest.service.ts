import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import { inTransaction } from '../core/database/transaction.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import { formatReviewDate, localIsoDate } from '../sign-offs/byline.js';
import { UsersRepository } from '../users/users.repository.js';
import { OverdueReviews, type ReReviewRow } from './overdue-reviews.service.js';
import { deskArticleUrl } from '../reviews/desk-links.js';

const DAY_MS = 24 * 3600 * 1000;

/** The daily digest to every editor: overdue reviews and those due within 7 days. */
@Injectable()
export class EditorDigest {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly overdue: OverdueReviews,
    private readonly users: UsersRepository,
    private readonly notifications: NotificationsService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /** Queues one digest per editor (once per local day: the dedupe key holds the date); answers how many. */
  async digest(): Promise<number> {
    const now = this.clock.now();
    const timeZone = this.config.env.PUBLICATION_TIMEZONE;
    const rows = await this.overdue.dueRows(new Date(now.getTime() + 7 * DAY_MS), 'all', 200);
    const toView = (row: ReReviewRow) => ({
      title: row.title,
      reviewerName: row.lastReviewer.displayName,
      dueDateText: formatReviewDate(row.dueAt, timeZone),
      daysOverdue: row.daysOverdue,
      url: deskArticleUrl(this.config.env.PUBLIC_BASE_URL, row.articleId),
    });
    const overdue = rows.filter((row) => row.status === 'overdue').map(toView);
    const dueSoon = rows.filter((row) => row.status !== 'overdue').map(toView);
    const date = localIsoDate(now, timeZone);
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const editors = await this.users.findActiveByRole('editor', tx);
      return this.notifications.queue(
        tx,
        ctx,
        editors.map((editor) => ({
          dedupeKey: `digest:${date}:${editor.id}`,
          template: 'digest' as const,
          to: { address: editor.email, userId: editor.id },
          context: {
            recipientName: editor.name,
            dateText: formatReviewDate(now, timeZone),
            overdue,
            dueSoon: dueSoon.map(({ daysOverdue: _d, ...row }) => row),
          },
        })),
      );
    });
  }
}
