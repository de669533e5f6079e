import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import { JOB_QUEUE, type JobName, type QueueName } from './queues.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JobHandlers = Partial<Record<JobName, (job: Job<any>) => Promise<unknown>>>;

/**
 * Each job name has exactly one handler: fail at start-up if a job of this queue has none, and refuse (without
 * retrying) a job whose name nobody handles.
 */
export function dispatcher(queue: QueueName, handlers: JobHandlers): (job: Job) => Promise<unknown> {
  const missing = (Object.keys(JOB_QUEUE) as JobName[]).filter(
    (name) => JOB_QUEUE[name] === queue && !handlers[name],
  );
  if (missing.length) throw new Error(`Queue ${queue} has no handler for job(s): ${missing.join(', ')}`);
  return (job: Job) => {
    const handler = Object.hasOwn(handlers, job.name) ? handlers[job.name as JobName] : undefined;
    if (!handler)
      return Promise.reject(new UnrecoverableError(`No handler for job ${job.name} on queue ${queue}`));
    return handler(job);
  };
}
