import type { Redis } from "ioredis";
import { redisScript } from "./redis-script.ts";
import type { RateLimiter } from "./types.ts";

// Fixed window in one round trip. The expiry is set on the first hit, and again if a key ever
// lost it, so a window can never live forever.
const HIT = redisScript(`
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
`);

export function createRedisRateLimiter(client: Redis): RateLimiter {
  return {
    async hit(key, limit, windowMs) {
      const ms = Math.max(1, Math.round(windowMs));
      const r = (await HIT.run(client, [`rl:${key}:${ms}`], [ms])) as [number, number];
      const [count, ttl] = r;
      const allowed = count <= limit;
      return { allowed, remaining: Math.max(0, limit - count), retryAfterMs: allowed ? 0 : Math.max(0, ttl) };
    },
  };
}
