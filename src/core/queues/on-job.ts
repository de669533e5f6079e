import type { Job } from 'bullmq';
import type { JobName, JobPayload } from './queues.js';

/** A job of `N`, with the payload that job name carries. */
export type JobOf<N extends JobName> = Job<JobPayload<N>, unknown, N>;

export type JobHandler<N extends JobName> = (job: JobOf<N>) => Promise<unknown>;

const ON_JOB = Symbol('on-job');

interface Registration {
  name: JobName;
  method: string | symbol;
}

/**
 * Marks the method that runs every job of `name` (one per `*.job.ts` file). The compiler holds the method to
 * that job's payload type; the JobRegistry finds it, and a queue's worker refuses to start when one of its jobs
 * has no handler or two.
 */
export function OnJob<N extends JobName>(name: N) {
  return <M extends JobHandler<N>>(
    target: object,
    method: string | symbol,
    _descriptor: TypedPropertyDescriptor<M>,
  ): void => {
    const holder = target as { [ON_JOB]?: Registration[] };
    holder[ON_JOB] = [...(holder[ON_JOB] ?? []), { name, method }];
  };
}

/** The job handlers an object's class declares with @OnJob. */
export function jobHandlersOf(instance: object): { name: JobName; handler: JobHandler<JobName> }[] {
  const registrations = (Object.getPrototypeOf(instance) as { [ON_JOB]?: Registration[] })[ON_JOB] ?? [];
  return registrations.map(({ name, method }) => {
    const fn = (instance as Record<string | symbol, JobHandler<JobName>>)[method];
    return { name, handler: (job: JobOf<JobName>) => fn.call(instance, job) };
  });
}
