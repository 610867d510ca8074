import { randomUUID } from "node:crypto";
import type { Clock } from "./clock.ts";
import { createExpiringMap } from "./expiring-map.ts";
import type { Lock, Locks } from "./types.ts";

export function createMemoryLocks(opts: { clock?: Clock } = {}): Locks {
  const held = createExpiringMap<string>(opts);
  return {
    async acquire(name, ttlMs) {
      if (held.get(name) !== undefined) return undefined;
      const token = randomUUID();
      held.set(name, token, ttlMs);
      const lock: Lock = {
        token,
        async release() {
          if (held.get(name) === token) held.delete(name);
        },
        async extend(ms) {
          if (held.get(name) !== token) return false;
          held.set(name, token, ms);
          return true;
        },
      };
      return lock;
    },
  };
}
