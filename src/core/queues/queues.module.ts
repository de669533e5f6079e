import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AppConfig } from '../config/app-config.js';
import { producerRedisOptions } from '../redis/redis-options.js';
import { JobRegistry } from './job-registry.js';
import { QueueErrorLog } from './queue-errors.js';
import { QueueName } from './queues.js';

const queues = Object.values(QueueName).map((name) => BullModule.registerQueue({ name }));

@Global()
@Module({
  imports: [
    DiscoveryModule,
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: producerRedisOptions(config.env.REDIS_URL),
        prefix: config.env.QUEUE_PREFIX,
      }),
    }),
    ...queues,
  ],
  providers: [QueueErrorLog, JobRegistry],
  exports: [...queues, JobRegistry],
})
export class QueuesModule {}
