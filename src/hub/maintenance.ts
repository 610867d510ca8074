import { pruneProcessedMessages } from "../conversation/processed.ts";
import { markOfflineAgents } from "../core/agents.ts";
import { reapExpiredLeases } from "../core/task-leases.ts";
import type { CoreSettings } from "../core/types.ts";
import type { Sql } from "../db/sql.ts";
import type { Logger } from "../logger.ts";

export interface Maintenance {
  start(): void;
  stop(): Promise<void>;
  /** one pass now (tests, and the first pass at start) */
  tick(): Promise<{ requeued: number; failed: number; offline: number }>;
}

/**
 * The hub's housekeeping: expired leases go back to the queue (or fail), silent agents go
 * offline. Safe with several instances: both queries skip rows another instance is handling.
 */
export function createMaintenance(opts: {
  sql: Sql;
  settings: CoreSettings;
  intervalMs: number;
  logger: Logger;
}): Maintenance {
  const log = opts.logger.child({ component: "maintenance" });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let prunedAt = 0;

  async function tick() {
    const { requeued, failed } = await reapExpiredLeases(opts.sql, opts.settings);
    const offline = await markOfflineAgents(opts.sql, opts.settings);
    if (requeued.length || failed.length) {
      log.info(
        { requeued: requeued.map((t) => t.number), failed: failed.map((t) => t.number) },
        "expired leases returned to the queue",
      );
    }
    if (offline.length) log.info({ agents: offline.map((a) => a.name) }, "agents went offline");
    // The dedupe table only needs to outlive redeliveries: keep a month, prune hourly.
    if (Date.now() - prunedAt > 3_600_000) {
      prunedAt = Date.now();
      await pruneProcessedMessages(opts.sql, 30);
    }
    return { requeued: requeued.length, failed: failed.length, offline: offline.length };
  }

  function schedule() {
    timer = setTimeout(() => {
      running = tick()
        .catch((e: unknown) => log.warn({ err: (e as Error).message }, "maintenance pass failed; will retry"))
        .finally(() => {
          running = undefined;
          if (timer) schedule();
        });
    }, opts.intervalMs);
    timer.unref();
  }

  return {
    start() {
      if (timer) return;
      schedule();
    },
    async stop() {
      const t = timer;
      timer = undefined;
      if (t) clearTimeout(t);
      await running;
    },
    tick,
  };
}
