import type { Clock } from "./clock.ts";
import { createExpiringMap } from "./expiring-map.ts";
import type { RateLimiter } from "./types.ts";

/** Fixed window, the same algorithm as the Redis limiter so a fallback behaves alike. */
export function createMemoryRateLimiter(opts: { maxEntries?: number; clock?: Clock } = {}): RateLimiter {
  const windows = createExpiringMap<{ count: number }>(opts);
  return {
    async hit(key, limit, windowMs) {
      const k = `${key}:${windowMs}`;
      let w = windows.get(k);
      if (!w) {
        w = { count: 0 };
        windows.set(k, w, windowMs);
      }
      w.count += 1;
      const allowed = w.count <= limit;
      return {
        allowed,
        remaining: Math.max(0, limit - w.count),
        retryAfterMs: allowed ? 0 : (windows.ttl(k) ?? windowMs),
      };
    },
  };
}
