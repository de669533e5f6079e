import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Job, Queue } from 'bullmq';
import { Repository } from 'typeorm';
import type { AuthUser } from '../auth/auth-user.js';
import { JobName, QueueName } from '../core/queues/queues.js';
import type { ExportProgress, ExportSummary } from './directory-export.service.js';
import { PublishedPage } from './published-page.entity.js';
import { type ExportJobData, PublishingQueue } from './publishing.queue.js';
import { ScheduledPublish } from './scheduled-publish.entity.js';
import { WebhookDelivery } from './webhook-delivery.entity.js';

export interface LivePageRow {
  articleId: string;
  slug: string;
  title: string;
  revisionNumber: number;
  lastReviewedAt: Date;
  nextReviewDueAt: Date | null;
}

export interface ExportRun {
  jobId: string;
  state: string;
  trigger: ExportJobData['trigger'];
  mode: ExportJobData['mode'];
  requestedAt: Date;
  finishedAt: Date | null;
  progress: ExportProgress | null;
  summary: ExportSummary | null;
  failedReason: string | null;
}

/** The states an export job can be in, newest first in each. */
const EXPORT_STATES = ['active', 'waiting', 'delayed', 'prioritized', 'completed', 'failed'] as const;

/**
 * What the publisher's desk pages read from the publishing module: scheduled publishes, live pages with their
 * review dates, export runs (BullMQ jobs of the publishing queue) and webhook deliveries. Read-only, except
 * `startExport`, which enqueues the same job as `POST /publishing/exports`.
 */
@Injectable()
export class PublishingDesk {
  constructor(
    @InjectRepository(ScheduledPublish) private readonly schedules: Repository<ScheduledPublish>,
    @InjectRepository(PublishedPage) private readonly pages: Repository<PublishedPage>,
    @InjectRepository(WebhookDelivery) private readonly deliveries: Repository<WebhookDelivery>,
    @InjectQueue(QueueName.Publishing) private readonly queue: Queue,
    private readonly publishingQueue: PublishingQueue,
  ) {}

  /** Every pending scheduled publish, soonest first (at most `limit`). */
  scheduled(limit: number): Promise<ScheduledPublish[]> {
    return this.schedules.find({ order: { publishAt: 'ASC', articleId: 'ASC' }, take: limit });
  }

  findSchedule(articleId: string): Promise<ScheduledPublish | null> {
    return this.schedules.findOne({ where: { articleId } });
  }

  /** Live pages, the ones due for review first (pages without a due date last). */
  async livePages(limit: number): Promise<{ rows: LivePageRow[]; total: number }> {
    const [rows, total] = await this.pages.findAndCount({
      select: {
        articleId: true,
        slug: true,
        title: true,
        revisionNumber: true,
        lastReviewedAt: true,
        nextReviewDueAt: true,
      },
      where: { live: true },
      order: { nextReviewDueAt: { direction: 'ASC', nulls: 'LAST' }, title: 'ASC' },
      take: limit,
    });
    return { rows, total };
  }

  findPage(articleId: string): Promise<PublishedPage | null> {
    return this.pages.findOne({ where: { articleId } });
  }

  /** The newest webhook deliveries (all articles, or one). */
  recentDeliveries(limit: number, articleId?: string): Promise<WebhookDelivery[]> {
    return this.deliveries.find({
      where: articleId ? { articleId } : {},
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
    });
  }

  /** Export runs still in the queue's memory (running, waiting, and the kept history), newest first. */
  async exportRuns(limit: number): Promise<ExportRun[]> {
    const jobs = (await this.queue.getJobs([...EXPORT_STATES], 0, 200)) as (Job<ExportJobData> | undefined)[];
    const runs = await Promise.all(
      jobs
        .filter((job): job is Job<ExportJobData> => !!job && job.name === (JobName.ExportAll as string))
        .map(async (job): Promise<ExportRun> => {
          const progress = job.progress;
          return {
            jobId: job.id ?? '',
            state: await job.getState(),
            trigger: job.data.trigger,
            mode: job.data.mode,
            requestedAt: new Date(job.timestamp),
            finishedAt: job.finishedOn ? new Date(job.finishedOn) : null,
            progress:
              progress && typeof progress === 'object' && 'phase' in progress
                ? (progress as unknown as ExportProgress)
                : null,
            summary: (job.returnvalue as ExportSummary | null) ?? null,
            failedReason: job.failedReason || null,
          };
        }),
    );
    return runs.sort((a, b) => b.requestedAt.getTime() - a.requestedAt.getTime()).slice(0, limit);
  }

  /** A full re-export of every live page, as `POST /publishing/exports` starts it. */
  startExport(actor: AuthUser): Promise<string> {
    return this.publishingQueue.exportAll('full', false, 'admin', actor.id);
  }
}
