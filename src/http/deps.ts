import type { Config } from "../config.ts";
import type { HubEvent } from "../core/types.ts";
import type { Sql } from "../db/sql.ts";
import type { RateLimiter } from "../infra/types.ts";
import type { Logger } from "../logger.ts";

export type ServiceHealth = "up" | "down" | "embedded";

/** What the API needs from the event side: the in-process bus, fed after each event is published. */
export interface EventBusLike {
  subscribe(handler: (e: HubEvent) => void): () => void;
}

/** The settings the API reads. A whole Config fits. */
export type HttpConfig = Pick<
  Config,
  | "adminKey"
  | "bodyLimitBytes"
  | "rateLimitPerMinute"
  | "leaseSeconds"
  | "maxAttempts"
  | "agentOfflineSeconds"
>;

/** Everything createHttpApp needs; the hub wiring passes the real ones, tests in-process ones. */
export interface HttpDeps {
  sql: Sql;
  config: HttpConfig;
  /** the hub's one pino instance; fastify logs through it */
  logger: Logger;
  rateLimiter: RateLimiter;
  bus: EventBusLike;
  /** other services for /readyz (redis, nats...); the database is checked by the API itself */
  health?: () => Promise<Record<string, ServiceHealth>>;
  /** unpublished outbox events, for /metrics */
  outboxLag?: () => Promise<number>;
  /** tuning, mostly for tests */
  options?: HttpOptions;
}

export interface HttpOptions {
  /** SSE heartbeat comment interval (default 15 000 ms) */
  sseHeartbeatMs?: number;
  /** long-poll claim safety-net re-check (default 2 000 ms) */
  claimRecheckMs?: number;
  /** how long a verified key is trusted without the database (default 5 000 ms) */
  authCacheMs?: number;
  /**
   * /metrics without a key from loopback peers (default true); otherwise it needs the admin key.
   * A request carrying X-Forwarded-For (a local reverse proxy) is not treated as loopback.
   */
  metricsOpenOnLoopback?: boolean;
  /**
   * Claim and completion statements at the database at once (default 1); requests beyond wait
   * and then go together in one statement.
   */
  taskStatementsInFlight?: number;
  /** On close, requests still running after this long are cut (default 10 000 ms). */
  closeGraceMs?: number;
}
