import type { FastifyInstance } from "fastify";
import type { Dispatcher } from "../../src/channels/types.ts";
import { createDispatcher } from "../../src/conversation/dispatcher.ts";
import { createRulesParser } from "../../src/conversation/parser.ts";
import { createLocalEventBus, type LocalEventBus } from "../../src/events/local-bus.ts";
import { createMemoryPublisher } from "../../src/events/memory-publisher.ts";
import { createOutboxRelay, type OutboxRelay } from "../../src/events/outbox-relay.ts";
import { createHttpApp } from "../../src/http/app.ts";
import { createMemoryRateLimiter } from "../../src/infra/memory-rate-limiter.ts";
import { createLogger } from "../../src/logger.ts";
import { createLoginLink, type LoginLink, registerWebRoutes, type WebOptions } from "../../src/web/index.ts";
import { createTestDatabase, type TestDb } from "../helpers/db.ts";

export const ADMIN_KEY = "test-admin-key-0123456789abcdef";

export interface WebHub {
  db: TestDb;
  app: FastifyInstance;
  url: string;
  bus: LocalEventBus;
  relay: OutboxRelay;
  dispatcher: Dispatcher;
  /** the REST API with a key (the admin's by default) */
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected loosely
  api(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; body: any }>;
  /** registers an agent over REST; returns its key */
  agent(name: string): Promise<string>;
  loginLink(): Promise<LoginLink>;
  close(): Promise<void>;
}

/**
 * The hub as it runs, minus the channels: the REST API and the dashboard on one fastify app,
 * the real dispatcher (rules parser), and the outbox relay feeding the local bus, so an
 * agent's REST call reaches the page the way it does in production.
 */
export async function startWebHub(
  opts: { publicUrl?: string; options?: WebOptions; budget?: number } = {},
): Promise<WebHub> {
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
  await relay.start();
  const settings = { leaseSeconds: 300, maxAttempts: 3, agentOfflineSeconds: 120 };
  const app = createHttpApp({
    sql: db.sql,
    config: { adminKey: ADMIN_KEY, bodyLimitBytes: 64 * 1024, rateLimitPerMinute: 1_000_000, ...settings },
    logger,
    rateLimiter: createMemoryRateLimiter(),
    bus,
    options: { sseHeartbeatMs: 1_000 },
  });
  const dispatcher = createDispatcher({
    sql: db.sql,
    parser: createRulesParser(),
    logger,
    config: {
      owner: { name: "Ana", telegramIds: [], discordIds: [], emails: [], phones: [] },
      timeZone: "Europe/Berlin",
      voice: { minConfidence: 0.6 },
      ...settings,
    },
  });
  await registerWebRoutes(app, {
    sql: db.sql,
    config: {
      publicUrl: opts.publicUrl,
      timeZone: "Europe/Berlin",
      llm: { dailyBudgetUsd: opts.budget ?? 5 },
    },
    logger,
    dispatcher,
    bus,
    rateLimiter: createMemoryRateLimiter(),
    options: { sseHeartbeatMs: 1_000, loginAttemptsPerAddress: 1_000, ...opts.options },
  });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });

  const api = async (method: string, path: string, body?: unknown, key = ADMIN_KEY) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  return {
    db,
    app,
    url,
    bus,
    relay,
    dispatcher,
    api,
    async agent(name) {
      const r = await api("POST", "/v1/agents/register", { name, capabilities: [] });
      if (r.status !== 201) throw new Error(`register ${name}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.api_key as string;
    },
    loginLink: () => createLoginLink(db.sql, { publicUrl: opts.publicUrl ?? url }),
    async close() {
      await app.close();
      await relay.stop();
      await db.drop();
    },
  };
}
