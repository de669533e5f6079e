import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { producerRedisOptions } from '../redis/redis-options.js';
import { QueueErrorLog } from './queue-errors.js';
import { QueueName } from './queues.js';

const queues = Object.values(QueueName).map((name) => BullModule.registerQueue({ name }));

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: producerRedisOptions(config.env.REDIS_URL),
        prefix: config.env.QUEUE_PREFIX,
      }),
    }),
    ...queues,
  ],
  providers: [QueueErrorLog],
  exports: queues,
})
export class QueuesModule {}
