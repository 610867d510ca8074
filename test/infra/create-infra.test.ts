import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInfra } from "../../src/infra/create-infra.ts";
import { type ServiceProcess, startRedisServer } from "../helpers/services.ts";
import { waitFor } from "../helpers/wait.ts";
import { captureLogger, INFO, WARN } from "./capture-logger.ts";

describe("createInfra without REDIS_URL", () => {
  it("is in process, says so once, and works", async () => {
    const { logger, lines } = captureLogger();
    const infra = createInfra({ redisUrl: undefined, redisKeyPrefix: "agentops:" }, logger);
    expect(infra.redisStatus()).toBe("embedded");
    expect(lines.map((l) => l.msg)).toEqual([
      "REDIS_URL not set: locks, dedupe, rate limits and caches are in-process (single instance only)",
    ]);
    expect(await infra.dedupe.firstSeen("k", 60_000)).toBe(true);
    expect(await infra.dedupe.firstSeen("k", 60_000)).toBe(false);
    await infra.close();
    await infra.close();
  });
});

describe("createInfra with Redis that goes away and comes back", () => {
  let server: ServiceProcess;
  let raw: Redis;
  beforeAll(async () => {
    server = await startRedisServer({ password: "hunter2-secret" });
    raw = new Redis(server.url, { password: "hunter2-secret" });
  });
  afterAll(async () => {
    raw?.disconnect();
    await server?.dispose();
  });

  it("falls back in process while Redis is down, and uses Redis again once it is back", async () => {
    const { logger, lines, text } = captureLogger();
    // A password in the URL must never reach a log line.
    const url = server.url.replace("redis://", "redis://:hunter2-secret@");
    const infra = createInfra({ redisUrl: url, redisKeyPrefix: "hub1:" }, logger);
    try {
      await waitFor(() => infra.redisStatus() === "up", { what: "Redis up" });

      // In Redis: visible to the raw client.
      expect(await infra.dedupe.firstSeen("msg-1", 60_000)).toBe(true);
      expect(await infra.dedupe.firstSeen("msg-1", 60_000)).toBe(false);
      expect(await raw.exists("hub1:dedupe:msg-1")).toBe(1);
      const lock = await infra.locks.acquire("job", 60_000);
      expect(lock).toBeDefined();
      expect(await raw.get("hub1:lock:job")).toBe(lock?.token);
      expect((await infra.rateLimiter.hit("client", 3, 60_000)).remaining).toBe(2);

      await server.stop();
      raw.disconnect();

      // Every call keeps answering (in process), quickly.
      const t0 = Date.now();
      expect(await infra.dedupe.firstSeen("msg-2", 60_000)).toBe(true);
      expect(await infra.dedupe.firstSeen("msg-2", 60_000)).toBe(false);
      const r = await infra.rateLimiter.hit("client", 3, 60_000);
      expect(r.allowed).toBe(true);
      const outageLock = await infra.locks.acquire("outage-job", 60_000);
      expect(outageLock).toBeDefined();
      expect(await infra.locks.acquire("outage-job", 60_000)).toBeUndefined();
      await outageLock?.release();
      // The Redis-held lock cannot be confirmed while Redis is away.
      expect(await lock?.extend(60_000)).toBe(false);
      await lock?.release();
      await infra.cache.set("c", "v", 60_000);
      expect(await infra.cache.get("c")).toBe("v");
      expect(Date.now() - t0).toBeLessThan(3_000);
      await waitFor(() => infra.redisStatus() === "down", { what: "Redis reported down" });
      for (let i = 0; i < 20; i++) await infra.dedupe.firstSeen(`outage-${i}`, 60_000);

      await server.restart();
      await waitFor(() => infra.redisStatus() === "up", { timeoutMs: 15_000, what: "Redis up again" });
      // Redis again (once the short breaker after the failed calls closes): keys land in the
      // fresh, unpersisted server.
      const check = new Redis(server.url, { password: "hunter2-secret" });
      try {
        let n = 0;
        await waitFor(
          async () => {
            const key = `msg-3-${n++}`;
            expect(await infra.dedupe.firstSeen(key, 60_000)).toBe(true);
            return (await check.exists(`hub1:dedupe:${key}`)) === 1;
          },
          { what: "dedupe via Redis" },
        );
        const l2 = await infra.locks.acquire("job", 60_000);
        expect(await check.get("hub1:lock:job")).toBe(l2?.token);
      } finally {
        check.disconnect();
      }

      const warns = lines.filter((l) => l.level === WARN);
      expect(warns).toHaveLength(1);
      expect(warns[0]?.msg).toMatch(/Redis unavailable/);
      expect(lines.filter((l) => l.level === INFO && /Redis is back/.test(l.msg))).toHaveLength(1);
      expect(text()).not.toContain("hunter2");
      expect(text()).toContain(`127.0.0.1:${server.port}`);
    } finally {
      await infra.close();
      await infra.close();
    }
  });
});
