import { createPostgresSql } from "../../src/db/postgres.ts";
import type { Sql } from "../../src/db/sql.ts";
import type { TestDb } from "./db.ts";
import { waitFor } from "./wait.ts";

/**
 * How many rows of `table` Postgres read while `work` ran (by sequential scans and by index
 * scans), from its table statistics: what makes a query slow as the table grows, measured
 * without a clock. `work` gets a connection of its own: closing it ends its backend, which
 * flushes the statistics; `scans` is how many scans of the table `work` makes at least.
 */
export async function rowsReadBy(
  db: TestDb,
  table: string,
  scans: number,
  work: (sql: Sql) => Promise<void>,
): Promise<number> {
  const own = createPostgresSql(db.url, { max: 1 });
  try {
    await own.query("SELECT 1");
    await db.sql.query("SELECT pg_stat_reset_single_table_counters($1::regclass)", [table]);
    await work(own);
  } finally {
    await own.close();
  }
  const read = async () => {
    await db.sql.query("SELECT pg_stat_clear_snapshot()");
    const r = await db.sql.query<{ scans: number; rows: number }>(
      `SELECT (seq_scan + coalesce(idx_scan, 0))::int AS scans,
              (seq_tup_read + coalesce(idx_tup_fetch, 0))::int AS rows
       FROM pg_stat_user_tables WHERE relid = $1::regclass`,
      [table],
    );
    return r.rows[0] ?? { scans: 0, rows: 0 };
  };
  await waitFor(async () => (await read()).scans >= scans, { what: `${scans} scans of ${table} counted` });
  return (await read()).rows;
}
