import type { FastifyInstance } from "fastify";
import { createLocalEventBus, type LocalEventBus } from "../../src/events/local-bus.ts";
import { createMemoryPublisher } from "../../src/events/memory-publisher.ts";
import { createOutboxRelay, type OutboxRelay } from "../../src/events/outbox-relay.ts";
import { createHttpApp } from "../../src/http/app.ts";
import type { HttpConfig, HttpOptions } from "../../src/http/deps.ts";
import { createMemoryRateLimiter } from "../../src/infra/memory-rate-limiter.ts";
import { createLogger } from "../../src/logger.ts";
import { createTestDatabase, type TestDb } from "../helpers/db.ts";

export const ADMIN_KEY = "test-admin-key-0123456789abcdef";

export interface Hub {
  db: TestDb;
  app: FastifyInstance;
  url: string;
  bus: LocalEventBus;
  relay: OutboxRelay;
  config: HttpConfig;
  /** fetch against the app with a key and a JSON body */
  call(method: string, path: string, opts?: CallOptions): Promise<Reply>;
  /** registers an agent through the API; returns its key */
  agent(name: string, capabilities?: string[]): Promise<string>;
  close(): Promise<void>;
}

export interface CallOptions {
  key?: string | null;
  body?: unknown;
  /** sent as is (malformed JSON, huge bodies) */
  raw?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface Reply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected loosely
  body: any;
  text: string;
}

export async function startHub(
  opts: { config?: Partial<HttpConfig>; options?: HttpOptions; relay?: boolean } = {},
): Promise<Hub> {
  const db = await createTestDatabase();
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const bus = createLocalEventBus(logger);
  const relay = createOutboxRelay({
    sql: db.sql,
    publisher: createMemoryPublisher(),
    bus,
    logger,
    pollMs: 200,
  });
  if (opts.relay !== false) await relay.start();
  const config: HttpConfig = {
    adminKey: ADMIN_KEY,
    bodyLimitBytes: 64 * 1024,
    rateLimitPerMinute: 1_000_000,
    leaseSeconds: 300,
    maxAttempts: 3,
    agentOfflineSeconds: 120,
    ...opts.config,
  };
  const app = createHttpApp({
    sql: db.sql,
    config,
    logger,
    rateLimiter: createMemoryRateLimiter(),
    bus,
    health: async () => ({ redis: "embedded", nats: "embedded" }),
    outboxLag: () => relay.lag(),
    ...(opts.options ? { options: opts.options } : {}),
  });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });

  const call = async (method: string, path: string, o: CallOptions = {}): Promise<Reply> => {
    const headers: Record<string, string> = { ...o.headers };
    const key = o.key === undefined ? ADMIN_KEY : o.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let body: string | undefined;
    if (o.raw !== undefined) body = o.raw;
    else if (o.body !== undefined) body = JSON.stringify(o.body);
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
      headers["content-type"] = "application/json";
    }
    const res = await fetch(`${url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };

  return {
    db,
    app,
    url,
    bus,
    relay,
    config,
    call,
    async agent(name, capabilities = []) {
      const r = await call("POST", "/v1/agents/register", { body: { name, capabilities } });
      if (r.status !== 201) throw new Error(`register ${name}: ${r.status} ${r.text}`);
      return r.body.api_key as string;
    },
    async close() {
      await app.close();
      await relay.stop();
      await db.drop();
    },
  };
}
