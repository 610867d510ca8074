import type { Dispatcher } from "../channels/types.ts";
import type { Config } from "../config.ts";
import type { Sql } from "../db/sql.ts";
import type { EventBusLike } from "../http/deps.ts";
import type { RateLimiter } from "../infra/types.ts";
import type { Logger } from "../logger.ts";

/** The settings the dashboard reads. A whole Config fits. */
export type WebConfig = Pick<Config, "publicUrl" | "timeZone"> & {
  llm: Pick<Config["llm"], "dailyBudgetUsd">;
};

/** Everything registerWebRoutes needs; the hub passes its own, tests in-process ones. */
export interface WebDeps {
  sql: Sql;
  config: WebConfig;
  logger: Logger;
  /** every action and the chat box go through it, as channel "web" */
  dispatcher: Dispatcher;
  /** the hub's local bus: live events after publish */
  bus: EventBusLike;
  /** limits sign-in attempts (codes must not be guessable) */
  rateLimiter: RateLimiter;
  options?: WebOptions;
}

export interface WebOptions {
  /** SSE heartbeat and session re-check interval (default 15 000 ms) */
  sseHeartbeatMs?: number;
  /** session lifetime from sign-in (default 30 days) */
  sessionTtlMs?: number;
  /** sign-in attempts allowed per client address per 15 minutes (default 10; 10× that overall) */
  loginAttemptsPerAddress?: number;
  /** the clock for what is "due soon" and "today" (tests) */
  now?: () => Date;
}
