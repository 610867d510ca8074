import type { Redis } from "ioredis";
import type { Cache } from "./types.ts";

export function createRedisCache(client: Redis): Cache {
  const k = (key: string) => `cache:${key}`;
  return {
    async get(key) {
      return (await client.get(k(key))) ?? undefined;
    },
    async set(key, value, ttlMs) {
      await client.set(k(key), value, "PX", Math.max(1, Math.round(ttlMs)));
    },
    async del(key) {
      await client.del(k(key));
    },
  };
}
