/**
 * The hub's HTTP API in a process of its own, for the benchmark: prints {"url": ...} on
 * stdout once listening; stops on SIGTERM. DATABASE_URL and ADMIN_KEY come from the env.
 */

import { createPostgresSql } from "../src/db/postgres.ts";
import { createLocalEventBus } from "../src/events/local-bus.ts";
import { createMemoryPublisher } from "../src/events/memory-publisher.ts";
import { createOutboxRelay } from "../src/events/outbox-relay.ts";
import { createHttpApp } from "../src/http/app.ts";
import { createMemoryRateLimiter } from "../src/infra/memory-rate-limiter.ts";
import { createLogger } from "../src/logger.ts";

const url = process.env.DATABASE_URL;
if (!url) throw new Error("DATABASE_URL is required");
const logger = createLogger({ level: "warn" });
const sql = createPostgresSql(url, { max: 20 });
const bus = createLocalEventBus(logger);
const relay = createOutboxRelay({ sql, publisher: createMemoryPublisher(), bus, logger });
await relay.start();
const app = createHttpApp({
  sql,
  config: {
    adminKey: process.env.ADMIN_KEY,
    bodyLimitBytes: 1_048_576,
    rateLimitPerMinute: 10_000_000,
    leaseSeconds: 300,
    maxAttempts: 3,
    agentOfflineSeconds: 120,
  },
  logger,
  rateLimiter: createMemoryRateLimiter(),
  bus,
  outboxLag: () => relay.lag(),
});
const address = await app.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(`${JSON.stringify({ url: address })}\n`);
process.once("SIGTERM", async () => {
  await app.close();
  await relay.stop();
  await sql.close();
  process.exit(0);
});
