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
      useFactory: (config: AppConfig) => {
        // Commands issued before the first connection (start-up checks) wait for it. After that, a command
        // while Redis is unreachable fails at once, so a login answers 503 instead of waiting on reconnects.
        const redis = new Redis({
          ...producerRedisOptions(config.env.REDIS_URL),
          enableOfflineQueue: true,
          lazyConnect: false,
        });
        redis.once('ready', () => {
          redis.options.enableOfflineQueue = false;
        });
        // One line when Redis goes away and one when it is back, not an unhandled-error stack per reconnect.
        const logger = new Logger('Redis');
        let down = false;
        redis.on('error', (error: Error) => {
          if (down) return;
          down = true;
          logger.warn(
            `Redis is unreachable (${error.message}); requests that need it answer 503 until it is back`,
          );
        });
        redis.on('ready', () => {
          if (!down) return;
          down = false;
          logger.log('Redis is reachable again');
        });
        return redis;
      },
    },
    RedisLifecycle,
  ],
  exports: [REDIS, RedisLifecycle],
})
export class RedisModule {}
