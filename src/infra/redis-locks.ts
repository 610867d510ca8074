import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { redisScript } from "./redis-script.ts";
import type { Lock, Locks } from "./types.ts";

// Only the holder (the one that knows the token) may release or extend: a holder whose lock
// expired and was taken by someone else must not delete or prolong the new holder's lock.
const RELEASE = redisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);
const EXTEND = redisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);

export function createRedisLocks(client: Redis): Locks {
  return {
    async acquire(name, ttlMs) {
      const key = `lock:${name}`;
      const token = randomUUID();
      const ok = await client.set(key, token, "PX", Math.max(1, Math.round(ttlMs)), "NX");
      if (ok !== "OK") return undefined;
      const lock: Lock = {
        token,
        async release() {
          await RELEASE.run(client, [key], [token]);
        },
        async extend(ms) {
          return (await EXTEND.run(client, [key], [token, Math.max(1, Math.round(ms))])) === 1;
        },
      };
      return lock;
    },
  };
}
