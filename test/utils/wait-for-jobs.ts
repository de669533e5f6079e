import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplicationContext } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { QueueName } from '../../src/core/queues/queues.js';

export interface WaitOptions {
  /** Give up (and fail the test) after this long. */
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns something other than undefined, null or false, and returns that; throws
 * naming `what` when the deadline passes. For waiting on the database or a mailbox, never on a fixed sleep.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  { timeoutMs = 15_000, intervalMs = 50 }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export function queueOf(app: INestApplicationContext, name: QueueName): Queue {
  return app.get<Queue>(getQueueToken(name), { strict: false });
}

/** Jobs that still have work to do; a job scheduler's next (delayed) iteration does not count. */
async function outstanding(queue: Queue): Promise<number> {
  const counts = await queue.getJobCounts('active', 'waiting', 'prioritized', 'waiting-children');
  const busy = Object.values(counts).reduce((sum, n) => sum + n, 0);
  const delayed = (await queue.getDelayed()) as Job[];
  return busy + delayed.filter((job) => !job.repeatJobKey).length;
}

/**
 * Waits until the queues (all of them by default) have nothing waiting, running or retrying (delayed with a
 * backoff), seen twice in a row. Jobs added by a job scheduler wait for their time and are not counted.
 */
export async function waitForJobs(
  app: INestApplicationContext,
  { queues = Object.values(QueueName), ...options }: WaitOptions & { queues?: QueueName[] } = {},
): Promise<void> {
  let idleChecks = 0;
  await waitUntil(
    `queues ${queues.join(', ')} to drain`,
    async () => {
      const counts = await Promise.all(queues.map((name) => outstanding(queueOf(app, name))));
      idleChecks = counts.every((n) => n === 0) ? idleChecks + 1 : 0;
      return idleChecks >= 2;
    },
    options,
  );
}

/** Waits for one job to finish and returns its state and return value (or failure reason). */
export async function waitForJob(
  queue: Queue,
  jobId: string,
  options?: WaitOptions,
): Promise<{ state: 'completed' | 'failed'; returnvalue: unknown; failedReason?: string }> {
  return waitUntil(
    `job ${jobId} on ${queue.name} to finish`,
    async () => {
      // State first, then the job: read the other way round, a job that finishes in between shows no return value.
      const state = await queue.getJobState(jobId);
      if (state !== 'completed' && state !== 'failed') return undefined;
      const job = (await queue.getJob(jobId)) as Job | undefined;
      if (!job) return undefined;
      return { state, returnvalue: job.returnvalue as unknown, failedReason: job.failedReason || undefined };
    },
    options,
  );
}
