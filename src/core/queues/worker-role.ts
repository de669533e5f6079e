import type { Provider } from '@nestjs/common';
import { type ConnectionSettings, workerRedisOptions } from '../redis/redis-options.js';
import { getConfig } from '../config/app-config.js';

/** Job processors exist only in processes that run workers (`APP_ROLE=worker` or `all`). */
export function whenWorker(...providers: Provider[]): Provider[] {
  return getConfig().runsWorkers ? providers : [];
}

/**
 * Worker options for `@Processor(queue, workerOptions())`: a connection that retries forever, as BullMQ needs,
 * and WORKER_CONCURRENCY jobs at a time unless the queue says otherwise (jobs mostly wait on PostgreSQL and SMTP).
 */
export function workerOptions(concurrency?: number): {
  connection: ConnectionSettings;
  concurrency: number;
  prefix: string;
} {
  const config = getConfig();
  return {
    connection: workerRedisOptions(config.env.REDIS_URL),
    concurrency: concurrency ?? config.env.WORKER_CONCURRENCY,
    prefix: config.env.QUEUE_PREFIX,
  };
}
