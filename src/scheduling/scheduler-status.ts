import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { AppConfig } from '../core/config/app-config.js';
import { QueueName } from '../core/queues/queues.js';
import { REDIS } from '../core/redis/redis.module.js';
import { SWEEP_SCHEDULER_ID } from './recurring-jobs.js';
import { lastSweepKey } from './review-sweep.service.js';

export interface SchedulerHealth {
  registered: boolean;
  lastSweepAt: string | null;
  late: boolean;
}

/** Whether the re-review sweep is registered and ran recently, so a silently dead scheduler is noticed. */
@Injectable()
export class SchedulerStatus {
  constructor(
    @InjectQueue(QueueName.Scheduling) private readonly queue: Queue,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  async check(): Promise<SchedulerHealth> {
    const [scheduler, lastSweepAt] = await Promise.all([
      this.queue.getJobScheduler(SWEEP_SCHEDULER_ID),
      this.redis.get(lastSweepKey(this.config)),
    ]);
    const allowedGap = 3 * this.config.env.SWEEP_EVERY.toMillis() + 60_000;
    const late = !lastSweepAt || Date.now() - new Date(lastSweepAt).getTime() > allowedGap;
    return { registered: !!scheduler, lastSweepAt, late };
  }
}
