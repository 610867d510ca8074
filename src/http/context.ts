import type { CoreSettings } from "../core/types.ts";
import type { Sql } from "../db/sql.ts";
import type { RateLimiter } from "../infra/types.ts";
import type { Logger } from "../logger.ts";
import type { Authenticator } from "./auth.ts";
import type { EventBusLike, HttpConfig, HttpDeps } from "./deps.ts";
import type { IdempotencyStore } from "./idempotency.ts";
import type { HttpMetrics } from "./metrics.ts";
import type { TaskBatcher } from "./task-batcher.ts";
import type { TaskReadySignal } from "./task-ready.ts";

/** What every route module receives: the deps plus the app's own per-instance services. */
export interface RouteContext {
  sql: Sql;
  config: HttpConfig;
  settings: CoreSettings;
  logger: Logger;
  bus: EventBusLike;
  rateLimiter: RateLimiter;
  auth: Authenticator;
  idempotency: IdempotencyStore;
  metrics: HttpMetrics;
  taskReady: TaskReadySignal;
  /** agents' claims and completions, coalesced under load */
  tasks: TaskBatcher;
  /** aborted when the app starts closing: long polls and streams end */
  closing: AbortSignal;
  health: HttpDeps["health"];
  options: {
    sseHeartbeatMs: number;
    claimRecheckMs: number;
    metricsOpenOnLoopback: boolean;
  };
}
