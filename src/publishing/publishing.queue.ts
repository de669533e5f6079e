import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { JobName, QueueName, jobOptions } from '../core/queues/queues.js';

export type ExportMode = 'incremental' | 'full';
export type ExportTrigger = 'publish' | 'startup' | 'cli' | 'admin' | 'bench';

export interface ExportJobData {
  mode: ExportMode;
  force: boolean;
  trigger: ExportTrigger;
  actorId: string | null;
}
export interface ScheduledPublishJobData {
  articleId: string;
  publishAt: string;
}
export interface DeliverWebhookJobData {
  deliveryId: string;
}

/** One directory sync waits while another runs; any number of publishes meanwhile share that one. */
const DIRECTORY_SYNC = 'directory-sync';

/** The id of the delayed job of a scheduled publish: derived from the database row, so cancelling removes it. */
export function scheduledPublishJobId(articleId: string, publishAt: Date): string {
  return `publish-${articleId}-${publishAt.getTime()}`;
}

/** Every job the publishing module enqueues; called only after the transaction that caused it has committed. */
@Injectable()
export class PublishingQueue {
  constructor(@InjectQueue(QueueName.Publishing) private readonly queue: Queue) {}

  /** The directory-sync enqueue running now, and the one that will run after it (shared by its callers). */
  private syncInFlight: Promise<void> | null = null;
  private syncNext: Promise<void> | null = null;

  /**
   * Brings PUBLISH_DIR in line with the live pages (writes what changed, removes what came down). Concurrent
   * callers share enqueues (#15 §2: one Redis call per publish was a visible part of its cost), but never one that
   * started before they were called: a caller arriving while an enqueue runs waits for the next one, which starts
   * after it (so after the caller's commit) and so syncs what it committed. At most one runs and one waits.
   */
  syncDirectory(): Promise<void> {
    if (this.syncNext) return this.syncNext;
    if (!this.syncInFlight) return this.startSync();
    const next = this.syncInFlight
      .catch(() => undefined)
      .then(() => {
        this.syncNext = null;
        return this.startSync();
      });
    this.syncNext = next;
    return next;
  }

  private startSync(): Promise<void> {
    const running = this.enqueueSync().finally(() => {
      if (this.syncInFlight === running) this.syncInFlight = null;
    });
    this.syncInFlight = running;
    return running;
  }

  private async enqueueSync(): Promise<void> {
    const data: ExportJobData = { mode: 'incremental', force: false, trigger: 'publish', actorId: null };
    await this.queue.add(
      JobName.ExportAll,
      data,
      jobOptions(JobName.ExportAll, { deduplication: { id: DIRECTORY_SYNC, keepLastIfActive: true } }),
    );
  }

  async exportAll(
    mode: ExportMode,
    force: boolean,
    trigger: ExportTrigger,
    actorId: string | null,
  ): Promise<string> {
    const data: ExportJobData = { mode, force, trigger, actorId };
    const job = await this.queue.add(
      JobName.ExportAll,
      data,
      jobOptions(JobName.ExportAll, { jobId: `export-${randomUUID()}`, attempts: 1 }),
    );
    return job.id!;
  }

  findExport(jobId: string): Promise<Job<ExportJobData> | undefined> {
    if (!jobId.startsWith('export-')) return Promise.resolve(undefined);
    return this.queue.getJob(jobId) as Promise<Job<ExportJobData> | undefined>;
  }

  async deliverWebhooks(deliveryIds: string[]): Promise<void> {
    if (!deliveryIds.length) return;
    await this.queue.addBulk(
      deliveryIds.map((deliveryId) => ({
        name: JobName.DeliverWebhook,
        data: { deliveryId } satisfies DeliverWebhookJobData,
        opts: jobOptions(JobName.DeliverWebhook, { jobId: `webhook-${deliveryId}` }),
      })),
    );
  }

  async schedulePublish(articleId: string, publishAt: Date, delayMs: number): Promise<string> {
    const jobId = scheduledPublishJobId(articleId, publishAt);
    const data: ScheduledPublishJobData = { articleId, publishAt: publishAt.toISOString() };
    await this.queue.add(
      JobName.ScheduledPublish,
      data,
      jobOptions(JobName.ScheduledPublish, { jobId, delay: Math.max(0, delayMs) }),
    );
    return jobId;
  }

  /** Removes the delayed job; one already running finds its row gone and does nothing. */
  async cancelScheduledPublish(articleId: string, publishAt: Date): Promise<void> {
    const job = await this.queue.getJob(scheduledPublishJobId(articleId, publishAt));
    if (job && !(await job.isActive())) await job.remove();
  }

  async hasScheduledPublish(articleId: string, publishAt: Date): Promise<boolean> {
    return !!(await this.queue.getJob(scheduledPublishJobId(articleId, publishAt)));
  }
}
