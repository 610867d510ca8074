/** What the adapter needs of a rate limiter; src/infra's RateLimiter fits it. */
export interface ReplyRateLimiter {
  hit(key: string, limit: number, windowMs: number): Promise<{ allowed: boolean }>;
}

/** Fixed windows in process memory: right for the one instance that holds the mailbox lease. */
export function createMemoryReplyLimiter(now: () => number = Date.now): ReplyRateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    async hit(key, limit, windowMs) {
      const t = now();
      const k = `${key}:${windowMs}`;
      let w = windows.get(k);
      if (!w || t - w.start >= windowMs) {
        w = { start: t, count: 0 };
        windows.set(k, w);
      }
      w.count += 1;
      if (windows.size > 10_000) {
        for (const [key2, w2] of windows) if (t - w2.start >= windowMs) windows.delete(key2);
      }
      return { allowed: w.count <= limit };
    },
  };
}
