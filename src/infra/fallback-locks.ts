import type { Logger } from "../logger.ts";
import { withFallback } from "./fallback.ts";
import type { RedisHandle } from "./redis-client.ts";
import type { Lock, Locks } from "./types.ts";

/**
 * Locks in Redis, or in process while Redis is unusable. A lock keeps to the store it was taken
 * in. If Redis fails while one is held there, release is left to its TTL and extend answers false:
 * the holder cannot prove it still holds the lock, so it must treat it as lost.
 */
export function createFallbackLocks(redis: RedisHandle, primary: Locks, local: Locks, logger: Logger): Locks {
  const guard = (lock: Lock, name: string): Lock => ({
    token: lock.token,
    async release() {
      try {
        await lock.release();
        redis.succeeded();
      } catch (e) {
        redis.failed(e);
        logger.debug({ lock: name, err: (e as Error).message }, "lock release failed: it expires by its TTL");
      }
    },
    async extend(ttlMs) {
      try {
        const ok = await lock.extend(ttlMs);
        redis.succeeded();
        return ok;
      } catch (e) {
        redis.failed(e);
        return false;
      }
    },
  });
  return {
    acquire: (name, ttlMs) =>
      withFallback(
        redis,
        "lock acquire",
        async () => {
          const lock = await primary.acquire(name, ttlMs);
          return lock && guard(lock, name);
        },
        () => local.acquire(name, ttlMs),
      ),
  };
}
