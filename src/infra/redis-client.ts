import { Redis } from "ioredis";
import type { Logger } from "../logger.ts";
import { urlHost } from "./redact-url.ts";

/** After a failed command, calls skip Redis this long, so a hung server costs one timeout per second, not one per call. */
const BREAKER_MS = 1_000;

export interface RedisHandle {
  readonly client: Redis;
  /** Whether a call should try Redis now, rather than go straight to the in-process fallback. */
  usable(): boolean;
  succeeded(): void;
  failed(err: unknown): void;
  status(): "up" | "down";
  close(): Promise<void>;
}

export interface RedisClientOptions {
  keyPrefix: string;
  /** per command; short so a call falls back quickly instead of hanging */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  now?: () => number;
}

/**
 * One ioredis client plus its health. Commands are never queued while disconnected
 * (enableOfflineQueue false, no per-request retries): they fail at once and the caller uses the
 * in-process equivalent. ioredis keeps reconnecting in the background; going down logs one
 * warning and coming back one info line.
 */
export function createRedisHandle(url: string, opts: RedisClientOptions, logger: Logger): RedisHandle {
  const log = logger.child({ component: "redis", host: urlHost(url) });
  const now = opts.now ?? Date.now;
  const client = new Redis(url, {
    keyPrefix: opts.keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: opts.commandTimeoutMs ?? 500,
    connectTimeout: opts.connectTimeoutMs ?? 2_000,
    retryStrategy: (times) => Math.min(100 * times, 2_000),
    lazyConnect: false,
  });
  let state: "starting" | "up" | "down" = "starting";
  let breakerUntil = 0;
  let closed = false;

  const markUp = () => {
    if (state === "up" || closed) return;
    if (state === "down") log.info("Redis is back: locks, dedupe, rate limits and caches use it again");
    else log.info("connected to Redis");
    state = "up";
  };
  const markDown = (reason: string) => {
    if (state === "down" || closed) return;
    log.warn(
      { reason },
      "Redis unavailable: locks, dedupe, rate limits and caches fall back to in-process (single instance only) until it is back",
    );
    state = "down";
  };

  client.on("ready", markUp);
  client.on("close", () => markDown("connection closed"));
  // ioredis emits every failed reconnect attempt; the state change above is the one line worth logging.
  client.on("error", (e: Error) => {
    log.debug({ err: e.message }, "redis error");
    if (state === "starting") markDown(e.message);
  });

  return {
    client,
    usable: () => !closed && client.status === "ready" && now() >= breakerUntil,
    succeeded() {
      if (client.status === "ready") markUp();
    },
    failed(err) {
      breakerUntil = now() + BREAKER_MS;
      markDown(err instanceof Error ? err.message : String(err));
    },
    status: () => (state === "up" && client.status === "ready" ? "up" : "down"),
    async close() {
      if (closed) return;
      closed = true;
      if (client.status === "ready") {
        await client.quit().catch(() => client.disconnect());
      } else {
        client.disconnect();
      }
    },
  };
}
