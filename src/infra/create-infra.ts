import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import { withFallback } from "./fallback.ts";
import { createFallbackLocks } from "./fallback-locks.ts";
import { createMemoryCache } from "./memory-cache.ts";
import { createMemoryDedupe } from "./memory-dedupe.ts";
import { createMemoryLocks } from "./memory-locks.ts";
import { createMemoryRateLimiter } from "./memory-rate-limiter.ts";
import { createRedisCache } from "./redis-cache.ts";
import { createRedisHandle } from "./redis-client.ts";
import { createRedisDedupe } from "./redis-dedupe.ts";
import { createRedisLocks } from "./redis-locks.ts";
import { createRedisRateLimiter } from "./redis-rate-limiter.ts";
import type { Infra } from "./types.ts";

export interface InfraOptions {
  /** per Redis command; a call falls back after this long */
  commandTimeoutMs?: number;
}

/**
 * Locks, dedupe, rate limits and caches: in Redis when REDIS_URL is set (shared by every hub
 * instance), else in process. With Redis configured, each call still falls back to the
 * in-process store while Redis is down, so an outage degrades to single-instance semantics
 * instead of failing requests.
 */
export function createInfra(
  config: Pick<Config, "redisUrl" | "redisKeyPrefix">,
  logger: Logger,
  opts: InfraOptions = {},
): Infra {
  const log = logger.child({ component: "infra" });
  const local = {
    cache: createMemoryCache(),
    dedupe: createMemoryDedupe(),
    rateLimiter: createMemoryRateLimiter(),
    locks: createMemoryLocks(),
  };
  if (!config.redisUrl) {
    log.info(
      "REDIS_URL not set: locks, dedupe, rate limits and caches are in-process (single instance only)",
    );
    return { ...local, redisStatus: () => "embedded", close: async () => {} };
  }

  const redis = createRedisHandle(
    config.redisUrl,
    {
      keyPrefix: config.redisKeyPrefix,
      ...(opts.commandTimeoutMs ? { commandTimeoutMs: opts.commandTimeoutMs } : {}),
    },
    logger,
  );
  const cache = createRedisCache(redis.client);
  const dedupe = createRedisDedupe(redis.client);
  const rateLimiter = createRedisRateLimiter(redis.client);
  return {
    cache: {
      get: (key) =>
        withFallback(
          redis,
          "cache get",
          () => cache.get(key),
          () => local.cache.get(key),
        ),
      set: (key, value, ttlMs) =>
        withFallback(
          redis,
          "cache set",
          () => cache.set(key, value, ttlMs),
          () => local.cache.set(key, value, ttlMs),
        ),
      del: (key) =>
        withFallback(
          redis,
          "cache del",
          () => cache.del(key),
          () => local.cache.del(key),
        ),
    },
    dedupe: {
      firstSeen: (key, ttlMs) =>
        withFallback(
          redis,
          "dedupe",
          () => dedupe.firstSeen(key, ttlMs),
          () => local.dedupe.firstSeen(key, ttlMs),
        ),
    },
    rateLimiter: {
      hit: (key, limit, windowMs) =>
        withFallback(
          redis,
          "rate limit",
          () => rateLimiter.hit(key, limit, windowMs),
          () => local.rateLimiter.hit(key, limit, windowMs),
        ),
    },
    locks: createFallbackLocks(redis, createRedisLocks(redis.client), local.locks, log),
    redisStatus: () => redis.status(),
    close: () => redis.close(),
  };
}
