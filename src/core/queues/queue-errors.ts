import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { QueueName } from './queues.js';

/** While Redis is down a queue reports every reconnect attempt; one line per queue per this long is enough. */
const QUIET_MS = 30_000;

/**
 * Gives every queue an `error` listener. Without one BullMQ prints each failed reconnect as a raw multi-line
 * object (found by the Redis outage fault); with one, an outage is a warning now and then, and requests that
 * need Redis meanwhile answer 503.
 */
@Injectable()
export class QueueErrorLog implements OnModuleInit {
  private readonly logger = new Logger('Queues');

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    for (const name of Object.values(QueueName)) {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      let lastLoggedAt = 0;
      queue.on('error', (error: Error) => {
        if (Date.now() - lastLoggedAt < QUIET_MS) return;
        lastLoggedAt = Date.now();
        this.logger.warn(`queue ${name}: ${error.message} (BullMQ reconnects by itself)`);
      });
    }
  }
}
