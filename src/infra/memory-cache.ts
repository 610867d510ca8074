import type { Clock } from "./clock.ts";
import { createExpiringMap } from "./expiring-map.ts";
import type { Cache } from "./types.ts";

export function createMemoryCache(opts: { maxEntries?: number; clock?: Clock } = {}): Cache {
  const map = createExpiringMap<string>(opts);
  return {
    async get(key) {
      return map.get(key);
    },
    async set(key, value, ttlMs) {
      map.set(key, value, ttlMs);
    },
    async del(key) {
      map.delete(key);
    },
  };
}
