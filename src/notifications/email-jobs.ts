import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Job, JobState, Queue } from 'bullmq';
import { JobName, jobOptions, QueueName } from '../core/queues/queues.js';

export interface SendEmailJobData {
  outboxId: string;
}

/**
 * The job id of an outbox row's SendEmail job: one per row, so enqueueing it again is a no-op while it is
 * queued. (BullMQ refuses custom ids containing ':', hence the dash.)
 */
export function sendEmailJobId(outboxId: string): string {
  return `email-${outboxId}`;
}

const FINISHED: (JobState | 'unknown')[] = ['completed', 'failed'];

/** Enqueues SendEmail jobs; only ever called after the rows they point at have committed. */
@Injectable()
export class EmailJobs {
  constructor(@InjectQueue(QueueName.Notifications) private readonly queue: Queue) {}

  /** One job per outbox row, optionally delayed. */
  async enqueue(outboxIds: string[], options: { delay?: number } = {}): Promise<void> {
    if (!outboxIds.length) return;
    await this.queue.addBulk(
      outboxIds.map((outboxId) => ({
        name: JobName.SendEmail,
        data: { outboxId } satisfies SendEmailJobData,
        opts: jobOptions(JobName.SendEmail, { jobId: sendEmailJobId(outboxId), ...options }),
      })),
    );
  }

  /**
   * Enqueues the row's job again unless one is still queued or running. A finished job kept under the same id
   * would swallow the new one, so it is removed first; the processor skips rows already sent, so this can
   * never send twice. Returns whether a job was added.
   */
  async enqueueAgain(outboxId: string): Promise<boolean> {
    const jobId = sendEmailJobId(outboxId);
    const state = await this.queue.getJobState(jobId);
    if (state !== 'unknown' && !FINISHED.includes(state)) return false;
    if (state !== 'unknown') {
      const finished = (await this.queue.getJob(jobId)) as Job | undefined;
      await finished?.remove();
    }
    await this.enqueue([outboxId]);
    return true;
  }

  /** Whether the row's job is waiting, delayed or running. */
  async isQueued(outboxId: string): Promise<boolean> {
    const state = await this.queue.getJobState(sendEmailJobId(outboxId));
    return state !== 'unknown' && !FINISHED.includes(state);
  }
}
