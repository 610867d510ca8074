import type { Clock } from "./clock.ts";
import { createExpiringMap } from "./expiring-map.ts";
import type { Dedupe } from "./types.ts";

export function createMemoryDedupe(opts: { maxEntries?: number; clock?: Clock } = {}): Dedupe {
  const seen = createExpiringMap<true>(opts);
  return {
    async firstSeen(key, ttlMs) {
      if (seen.get(key)) return false;
      seen.set(key, true, ttlMs);
      return true;
    },
  };
}
