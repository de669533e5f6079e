import type { RedisOptions } from 'ioredis';

/** ioredis options that BullMQ's connection type also accepts. */
export type ConnectionSettings = Omit<RedisOptions, 'retryStrategy'> & {
  retryStrategy: (times: number) => number;
};

function fromUrl(redisUrl: string): RedisOptions {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    connectTimeout: 2000,
  };
}

/**
 * Producers and request-path clients fail fast when Redis is down: no offline queue, one retry, so an HTTP
 * request answers 503 instead of hanging.
 */
export function producerRedisOptions(redisUrl: string): ConnectionSettings {
  return {
    ...fromUrl(redisUrl),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (n) => Math.min(n * 200, 2000),
  };
}

/** BullMQ workers block on Redis and must retry forever (`maxRetriesPerRequest: null`). */
export function workerRedisOptions(redisUrl: string): ConnectionSettings {
  return {
    ...fromUrl(redisUrl),
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (n) => Math.min(n * 200, 2000),
  };
}
