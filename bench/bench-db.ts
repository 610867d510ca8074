import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrate } from "../src/db/migrate.ts";
import { createPostgresSql } from "../src/db/postgres.ts";
import type { Sql } from "../src/db/sql.ts";

export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface BenchDb {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database per system under test. */
export async function freshDatabase(label: string): Promise<BenchDb> {
  const name = `agentops_bench_${label}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`),
    async drop() {
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      try {
        // A library's pool may still be closing its connections: cutting them makes the pool
        // emit an error nobody listens to, which ends this process. Let them go first.
        const deadline = Date.now() + 10_000;
        for (;;) {
          const r = await a.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1",
            [name],
          );
          if (r.rows[0]?.n === 0 || Date.now() > deadline) break;
          await new Promise((res) => setTimeout(res, 50));
        }
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}

/** The hub schema plus `count` pending tasks, inserted in one statement. */
export async function hubDatabaseWithTasks(label: string, count: number): Promise<BenchDb> {
  const db = await freshDatabase(label);
  const sql: Sql = createPostgresSql(db.url, { max: 2 });
  try {
    await migrate(sql);
    // the seed task belongs to 'seed'; keep only the benchmark's tasks
    await sql.query("DELETE FROM tasks");
    await sql.query(
      `INSERT INTO tasks (title, priority, input)
       SELECT 'bench ' || g, 50, jsonb_build_object('n', g) FROM generate_series(1, $1) g`,
      [count],
    );
    await sql.query("ANALYZE tasks");
    // What a part costs, measured by leaving it out, e.g.
    // BENCH_SETUP_SQL="ALTER TABLE events DISABLE TRIGGER trg_events_outbox" (never in a report)
    if (process.env.BENCH_SETUP_SQL) await sql.query(process.env.BENCH_SETUP_SQL);
  } finally {
    await sql.close();
  }
  return db;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** A plain-text table: columns padded to their widest cell, a rule under the head. */
export function printTable(head: string[], rows: string[][]) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
}
