import { Injectable } from '@nestjs/common';

import { DateTime } from 'luxon';

import { ArticlesRepository } from '../articles/articles.repository.js';

import { type AuthUser } from '../auth/auth-user.js';
import { Clock } from '../core/clock/clock.js';

import { ApiError } from '../core/http/api-error.js';

import { PublishingDesk } from '../publishing/publishing-desk.service.js';

import { LivePages } from '../publishing/live-pages.service.js';

import { PublishGate } from '../publishing/publish-gate.js';

import { PublishingService } from '../publishing/publishing.service.js';

import { ScheduledPublishing } from '../publishing/scheduled-publishing.service.js';

import { OfficePageParts, OFFICE_ROLES, LIST_CAP } from './office-page-parts.js';

/**
 * What the publisher's pages show (`/desk/publisher…`): ready to publish, one article's publishing, live pages,
 * exports and webhook deliveries; each change calls the service the JSON API calls. No rule lives here.
 */
@Injectable()
export class PublisherPagesService {
  constructor(
    private readonly articles: ArticlesRepository,
    private readonly publishing: PublishingService,
    private readonly gate: PublishGate,
    private readonly schedules: ScheduledPublishing,
    private readonly takeDown: LivePages,
    private readonly publishingDesk: PublishingDesk,
    private readonly parts: OfficePageParts,
    private readonly clock: Clock,
  ) {}

  // --- Publisher ------------------------------------------------------------------------------------------

  async publisherHome(user: AuthUser) {
    this.parts.requireRole(user, OFFICE_ROLES.publisher);
    const approved = await this.parts.articlesIn('approved', 100);
    const readiness = await this.gate.readiness(approved.map((a) => a.id));
    const rows = await this.parts.articleRows(approved);
    const ready = rows.flatMap((row) => {
      const state = readiness.get(row.id);
      return state?.ok ? [{ ...row, byline: state.byline, signedRevision: state.revision }] : [];
    });
    const blocked = rows.flatMap((row) => {
      const state = readiness.get(row.id);
      return state && !state.ok ? [{ ...row, reason: state.message }] : [];
    });
    const schedules = await this.publishingDesk.scheduled(LIST_CAP + 1);
    const scheduledArticles = await this.articles.findByIds(schedules.map((s) => s.articleId));
    return {
      ready: this.parts.capped(ready),
      blocked: this.parts.capped(blocked),
      scheduled: this.parts.capped(
        schedules.map((s) => ({
          articleId: s.articleId,
          title: scheduledArticles.get(s.articleId)?.title ?? s.articleId,
          revision: s.revisionNumber,
          at: this.parts.dateTime(s.publishAt),
        })),
      ),
    };
  }

  async publisherArticle(user: AuthUser, articleId: string) {
    this.parts.requireRole(user, OFFICE_ROLES.publisher);
    const article = await this.parts.article(articleId);
    const [readiness, schedule, page, deliveries] = await Promise.all([
      this.gate.readiness([articleId]),
      this.publishingDesk.findSchedule(articleId),
      this.publishingDesk.findPage(articleId),
      this.publishingDesk.recentDeliveries(10, articleId),
    ]);
    const state = readiness.get(articleId)!;
    const live = page?.live ? page : null;
    return {
      article: {
        id: article.id,
        title: article.title,
        specialty: article.specialty,
        status: article.status,
        revision: article.currentRevision,
      },
      // Publishing the revision that is already live would change nothing: not offered (the API still allows it).
      ready:
        state.ok && !(live && live.revisionNumber === state.revision)
          ? { revision: state.revision, byline: state.byline }
          : null,
      notReady: state.ok
        ? live && live.revisionNumber === state.revision
          ? `Revision ${state.revision} is live; there is nothing new to publish.`
          : null
        : state.message,
      schedule: schedule
        ? { at: this.parts.dateTime(schedule.publishAt), revision: schedule.revisionNumber }
        : null,
      live: live
        ? {
            slug: live.slug,
            revision: live.revisionNumber,
            publicUrl: `/public/articles/${encodeURIComponent(live.slug)}`,
            lastReviewed: this.parts.date(live.lastReviewedAt),
            nextDue: live.nextReviewDueAt ? this.parts.date(live.nextReviewDueAt) : null,
          }
        : null,
      canUnpublish: article.status === 'published',
      deliveries: deliveries.map((d) => this.deliveryRow(d, article.title)),
      timeZone: this.parts.timeZone,
    };
  }

  /**
   * The time typed in the schedule form (`YYYY-MM-DDTHH:mm`, a wall-clock time in the publication's time zone)
   * as an instant; the publishing service then refuses one that is not in the future.
   */
  publishAtFromForm(value: string): Date {
    const local = DateTime.fromISO(value, { zone: this.parts.timeZone });
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value) || !local.isValid) {
      throw ApiError.badRequest('Invalid request: check publishAt', [
        { field: 'publishAt', reason: `must be a date and time (YYYY-MM-DDTHH:mm, ${this.parts.timeZone})` },
      ]);
    }
    return local.toJSDate();
  }

  async livePages(user: AuthUser) {
    this.parts.requireRole(user, OFFICE_ROLES.publisher);
    const now = this.clock.now();
    const { rows, total } = await this.publishingDesk.livePages(100);
    return {
      total,
      more: total > rows.length,
      pages: rows.map((p) => ({
        articleId: p.articleId,
        title: p.title,
        slug: p.slug,
        publicUrl: `/public/articles/${encodeURIComponent(p.slug)}`,
        revision: p.revisionNumber,
        lastReviewed: this.parts.date(p.lastReviewedAt),
        nextDue: p.nextReviewDueAt ? this.parts.date(p.nextReviewDueAt) : null,
        overdue: !!p.nextReviewDueAt && p.nextReviewDueAt.getTime() < now.getTime(),
      })),
    };
  }

  async exportsPage(user: AuthUser) {
    this.parts.requireRole(user, OFFICE_ROLES.exports);
    const [runs, deliveries] = await Promise.all([
      this.publishingDesk.exportRuns(20),
      this.publishingDesk.recentDeliveries(LIST_CAP),
    ]);
    const titles = await this.articles.findByIds([...new Set(deliveries.map((d) => d.articleId))]);
    return {
      runs: runs.map((run) => ({
        jobId: run.jobId,
        state: run.state,
        trigger: run.trigger,
        mode: run.mode,
        requested: this.parts.dateTime(run.requestedAt),
        finished: run.finishedAt ? this.parts.dateTime(run.finishedAt) : null,
        progress: run.progress
          ? {
              phase: run.progress.phase,
              done: run.progress.done,
              total: run.progress.total,
              percent: run.progress.total ? Math.round((run.progress.done / run.progress.total) * 100) : 100,
            }
          : null,
        summary: run.summary
          ? {
              livePages: run.summary.livePages,
              written: run.summary.written,
              unchanged: run.summary.unchanged,
              removed: run.summary.removed,
              failed: run.summary.failed.length,
              seconds: (run.summary.durationMs / 1000).toFixed(1),
            }
          : null,
        failedReason: run.failedReason,
      })),
      deliveries: deliveries.map((d) => this.deliveryRow(d, titles.get(d.articleId)?.title ?? d.articleId)),
    };
  }

  private deliveryRow(d: Awaited<ReturnType<PublishingDesk['recentDeliveries']>>[number], title: string) {
    return {
      articleId: d.articleId,
      title,
      event: d.event,
      url: d.url,
      status: d.status,
      attempts: d.attempts,
      responseStatus: d.responseStatus,
      lastError: d.lastError,
      at: this.parts.dateTime(d.createdAt),
    };
  }

  publishNow(user: AuthUser, articleId: string) {
    this.parts.requireRole(user, OFFICE_ROLES.publisher);
    return this.publishing.publishNow(user, articleId);
  }

  schedule(user: AuthUser, articleId: string, publishAt: Date) {
    this.parts.requireRole(user, OFFICE_ROLES.publisher);
    return this.schedules.schedule(user, articleId, publishAt);
  }

  cancelSchedule(user: AuthUser, articleId: string) {
    this.parts.requireRole(user, OFFICE_ROLES.publisher);
    return this.schedules.cancel(user, articleId);
  }

  unpublish(user: AuthUser, articleId: string) {
    this.parts.requireRole(user, OFFICE_ROLES.publisher);
    return this.takeDown.unpublish(user, articleId);
  }

  startExport(user: AuthUser): Promise<string> {
    this.parts.requireRole(user, OFFICE_ROLES.exports);
    return this.publishingDesk.startExport(user);
  }
}
