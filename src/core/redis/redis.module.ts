import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';
import { producerRedisOptions } from './redis-options.js';

export const REDIS = Symbol('REDIS');

@Injectable()
export class RedisLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onModuleInit(): Promise<void> {
    await this.warnUnlessNoEviction();
  }

  /** BullMQ loses jobs silently if Redis evicts keys; say so loudly at start-up. */
  async warnUnlessNoEviction(): Promise<string | undefined> {
    try {
      const reply = await this.redis.config('GET', 'maxmemory-policy');
      const policy = reply[1];
      if (policy !== 'noeviction') {
        this.logger.warn(
          `Redis maxmemory-policy is "${policy}"; queues are only correct with "noeviction" ` +
            '(set it with: redis-cli CONFIG SET maxmemory-policy noeviction)',
        );
      }
      return policy;
    } catch (error) {
      this.logger.warn(`could not read Redis maxmemory-policy: ${(error as Error).message}`);
      return undefined;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new Redis({
          ...producerRedisOptions(config.env.REDIS_URL),
          enableOfflineQueue: true,
          lazyConnect: false,
        }),
    },
    RedisLifecycle,
  ],
  exports: [REDIS, RedisLifecycle],
})
export class RedisModule {}
