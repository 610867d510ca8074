import type { Redis } from "ioredis";
import type { Dedupe } from "./types.ts";

export function createRedisDedupe(client: Redis): Dedupe {
  return {
    async firstSeen(key, ttlMs) {
      const r = await client.set(`dedupe:${key}`, "1", "PX", Math.max(1, Math.round(ttlMs)), "NX");
      return r === "OK";
    },
  };
}
