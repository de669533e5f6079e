import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import type { JobHandler, JobOf } from './on-job.js';
import { JOB_QUEUE, type JobName, type QueueName } from './queues.js';

/** At most one handler per job name, each typed with its job's payload. */
export type JobHandlers = { [N in JobName]?: JobHandler<N> };

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
    const handler = Object.hasOwn(handlers, job.name)
      ? (handlers[job.name as JobName] as JobHandler<JobName> | undefined)
      : undefined;
    if (!handler)
      return Promise.reject(new UnrecoverableError(`No handler for job ${job.name} on queue ${queue}`));
    return handler(job as JobOf<JobName>);
  };
}
