import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Sql } from "../db/sql.ts";

export interface HttpMetrics {
  registry: Registry;
  httpDuration: Histogram<"method" | "route" | "status_code">;
  claims: Counter<"mode">;
  completions: Counter<"outcome">;
}

/** A Registry of its own per app (never prom-client's global one). */
export function createHttpMetrics(opts: {
  sql: Sql;
  outboxLag?: (() => Promise<number>) | undefined;
  waitingClaims?: () => number;
}): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "agentops_" });

  const httpDuration = new Histogram({
    name: "agentops_http_request_duration_seconds",
    help: "HTTP request latency by route",
    labelNames: ["method", "route", "status_code"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const claims = new Counter({
    name: "agentops_tasks_claimed_total",
    help: "Tasks handed to agents through the API",
    labelNames: ["mode"] as const,
    registers: [registry],
  });
  const completions = new Counter({
    name: "agentops_tasks_finished_total",
    help: "Tasks agents finished through the API, by outcome (completed, failed, blocked)",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "agentops_tasks",
    help: "Tasks in the database by status (queue depth)",
    labelNames: ["status"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const r = await opts.sql.query<{ status: string; n: number }>(
        "SELECT status, count(*)::int AS n FROM tasks GROUP BY status",
      );
      for (const s of ["pending", "in_progress", "blocked", "completed", "failed", "cancelled"])
        this.set({ status: s }, 0);
      for (const row of r.rows) this.set({ status: row.status }, row.n);
    },
  });
  if (opts.waitingClaims) {
    const waiting = opts.waitingClaims;
    new Gauge({
      name: "agentops_claims_waiting",
      help: "Long-poll claims waiting for work in this process",
      registers: [registry],
      collect() {
        this.set(waiting());
      },
    });
  }
  if (opts.outboxLag) {
    const lag = opts.outboxLag;
    new Gauge({
      name: "agentops_outbox_lag",
      help: "Events written but not yet published",
      registers: [registry],
      async collect() {
        this.set(await lag());
      },
    });
    new Gauge({
      name: "agentops_outbox_set_aside",
      help: "Events NATS refused for good (too large), set aside: agentops outbox retry",
      registers: [registry],
      async collect() {
        const r = await opts.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox_set_aside");
        this.set(r.rows[0]?.n ?? 0);
      },
    });
  }
  return { registry, httpDuration, claims, completions };
}
