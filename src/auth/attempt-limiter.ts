import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export interface AttemptLimit {
  /** Part of the Redis key: what is counted. */
  name: string;
  attempts: number;
  perSeconds: number;
}

/** Which limit refused an attempt, and whether this is the first refusal of its window (worth an audit event). */
export interface Refusal {
  limit: string;
  first: boolean;
  retryAfterSeconds: number;
}

/**
 * Password attempts, counted in Redis (shared by every instance) and consumed atomically BEFORE the password is
 * checked: of N concurrent attempts on one key, at most `attempts` ever reach the hash; the rest are refused
 * without touching it. A successful attempt gives its point back.
 */
export class AttemptLimiter {
  private readonly limiters: { name: string; limiter: RateLimiterRedis }[];

  constructor(redis: Redis, keyPrefix: string, limits: AttemptLimit[]) {
    this.limiters = limits.map((limit) => ({
      name: limit.name,
      limiter: new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${keyPrefix}:${limit.name}`,
        points: limit.attempts,
        duration: limit.perSeconds,
      }),
    }));
  }

  /**
   * Takes one attempt from every limit, keyed by `keys[name]`, in order; stops at the first limit that is spent
   * and returns why. Undefined means the attempt may go ahead.
   */
  async consume(keys: Record<string, string>): Promise<Refusal | undefined> {
    for (const { name, limiter } of this.limiters) {
      try {
        await limiter.consume(keys[name]);
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        return {
          limit: name,
          first: error.consumedPoints === limiter.points + 1,
          retryAfterSeconds: Math.ceil(error.msBeforeNext / 1000),
        };
      }
    }
    return undefined;
  }

  /** After a successful attempt: its points come back, and the per-key-and-address count starts again. */
  async succeeded(keys: Record<string, string>, reset: string[]): Promise<void> {
    await Promise.all(
      this.limiters.map(({ name, limiter }) =>
        reset.includes(name) ? limiter.delete(keys[name]) : limiter.reward(keys[name], 1),
      ),
    );
  }
}
