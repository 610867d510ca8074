import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryCache } from "../../src/infra/memory-cache.ts";
import { createMemoryDedupe } from "../../src/infra/memory-dedupe.ts";
import { createMemoryLocks } from "../../src/infra/memory-locks.ts";
import { createMemoryRateLimiter } from "../../src/infra/memory-rate-limiter.ts";
import { createRedisCache } from "../../src/infra/redis-cache.ts";
import { createRedisDedupe } from "../../src/infra/redis-dedupe.ts";
import { createRedisLocks } from "../../src/infra/redis-locks.ts";
import { createRedisRateLimiter } from "../../src/infra/redis-rate-limiter.ts";
import type { Cache, Dedupe, Locks, RateLimiter } from "../../src/infra/types.ts";
import { type ServiceProcess, startRedisServer } from "../helpers/services.ts";
import { waitFor } from "../helpers/wait.ts";

interface Stores {
  cache: Cache;
  dedupe: Dedupe;
  rateLimiter: RateLimiter;
  locks: Locks;
}

let server: ServiceProcess;
let client: Redis;
let raw: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  client = new Redis(server.url, { keyPrefix: "t:" });
  raw = new Redis(server.url);
});
afterAll(async () => {
  client?.disconnect();
  raw?.disconnect();
  await server?.dispose();
});

const makers: Record<"memory" | "redis", () => Stores> = {
  memory: () => ({
    cache: createMemoryCache(),
    dedupe: createMemoryDedupe(),
    rateLimiter: createMemoryRateLimiter(),
    locks: createMemoryLocks(),
  }),
  redis: () => ({
    cache: createRedisCache(client),
    dedupe: createRedisDedupe(client),
    rateLimiter: createRedisRateLimiter(client),
    locks: createRedisLocks(client),
  }),
};

// The same contract for both, so the in-process fallback behaves like Redis.
describe.each(["memory", "redis"] as const)("%s stores", (kind) => {
  const uid = () => `${kind}-${Math.random().toString(36).slice(2)}`;

  it("cache: set, get, del and expiry", async () => {
    const { cache } = makers[kind]();
    const k = uid();
    expect(await cache.get(k)).toBeUndefined();
    await cache.set(k, "v1", 60_000);
    expect(await cache.get(k)).toBe("v1");
    await cache.set(k, "v2", 60_000);
    expect(await cache.get(k)).toBe("v2");
    await cache.del(k);
    expect(await cache.get(k)).toBeUndefined();
    await cache.set(k, "short", 30);
    await waitFor(async () => (await cache.get(k)) === undefined, { what: "cache entry to expire" });
  });

  it("dedupe: first time true, repeats false, again true after the ttl", async () => {
    const { dedupe } = makers[kind]();
    const k = uid();
    const results = await Promise.all(Array.from({ length: 20 }, () => dedupe.firstSeen(k, 60_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const short = uid();
    expect(await dedupe.firstSeen(short, 30)).toBe(true);
    expect(await dedupe.firstSeen(short, 30)).toBe(false);
    await waitFor(() => dedupe.firstSeen(short, 30), { what: "dedupe key to expire" });
  });

  it("rate limiter: allows `limit` hits per window, then says when to retry", async () => {
    const { rateLimiter } = makers[kind]();
    const k = uid();
    const results = await Promise.all(Array.from({ length: 8 }, () => rateLimiter.hit(k, 5, 60_000)));
    expect(results.filter((r) => r.allowed)).toHaveLength(5);
    expect(results.map((r) => r.remaining).sort()).toEqual([0, 0, 0, 0, 1, 2, 3, 4]);
    const denied = results.find((r) => !r.allowed);
    expect(denied?.retryAfterMs).toBeGreaterThan(50_000);
    expect(denied?.retryAfterMs).toBeLessThanOrEqual(60_000);
    for (const r of results.filter((r) => r.allowed)) expect(r.retryAfterMs).toBe(0);

    const s = uid();
    expect((await rateLimiter.hit(s, 1, 40)).allowed).toBe(true);
    expect((await rateLimiter.hit(s, 1, 40)).allowed).toBe(false);
    await waitFor(async () => (await rateLimiter.hit(s, 1, 40)).allowed, { what: "a new window" });
  });

  it("locks: one holder at a time; release and extend only with the token", async () => {
    const { locks } = makers[kind]();
    const name = uid();
    const got = await Promise.all(Array.from({ length: 10 }, () => locks.acquire(name, 60_000)));
    const holders = got.filter((l) => l !== undefined);
    expect(holders).toHaveLength(1);
    const lock = holders[0];
    if (!lock) throw new Error("no holder");
    expect(await lock.extend(60_000)).toBe(true);
    await lock.release();
    const next = await locks.acquire(name, 30);
    expect(next).toBeDefined();
    // The old holder's token no longer matches: it cannot extend or release the new lock.
    expect(await lock.extend(60_000)).toBe(false);
    await lock.release();
    expect(await locks.acquire(name, 60_000)).toBeUndefined();
    // After expiry another holder takes it, and the expired one cannot touch it.
    const third = await waitFor(() => locks.acquire(name, 60_000), { what: "lock to expire" });
    expect(await next?.extend(60_000)).toBe(false);
    await next?.release();
    expect(await locks.acquire(name, 60_000)).toBeUndefined();
    await third.release();
    expect(await locks.acquire(name, 60_000)).toBeDefined();
  });
});

describe("redis stores", () => {
  it("keep their keys under the prefix, with expiries", async () => {
    const s = makers.redis();
    await s.cache.set("pfx", "v", 60_000);
    await s.dedupe.firstSeen("pfx", 60_000);
    await s.rateLimiter.hit("pfx", 10, 60_000);
    await s.locks.acquire("pfx", 60_000);
    const keys = (await raw.keys("*pfx*")).sort();
    expect(keys).toEqual(["t:cache:pfx", "t:dedupe:pfx", "t:lock:pfx", "t:rl:pfx:60000"]);
    for (const k of keys) expect(await raw.pttl(k)).toBeGreaterThan(0);
  });

  it("rate limiter and locks still work after the server forgets its scripts", async () => {
    const s = makers.redis();
    await raw.script("FLUSH");
    expect((await s.rateLimiter.hit("flushed", 1, 60_000)).allowed).toBe(true);
    const lock = await s.locks.acquire("flushed", 60_000);
    await raw.script("FLUSH");
    expect(await lock?.extend(60_000)).toBe(true);
  });
});
