import { mkdirSync } from "node:fs";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import type { QueryResult, Sql } from "./sql.ts";

type Runner = Pick<PGlite, "query" | "exec"> | Pick<Transaction, "query" | "exec">;

/**
 * The embedded database: one Postgres in WebAssembly, kept in a folder (or in memory when
 * dataDir is undefined). Single connection, so PGlite serialises transactions itself.
 */
export async function createPgliteSql(dataDir: string | undefined): Promise<Sql> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  let closed = false;

  const wrap = (runner: Runner, inTx: boolean): Sql => ({
    dialect: "pglite",
    async query<T>(text: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      const r = await runner.query<T>(text, params as unknown[] | undefined);
      // PGlite reports affectedRows 0 for a SELECT: count the rows it returned then.
      return { rows: r.rows, rowCount: Math.max(r.rows.length, r.affectedRows ?? 0) };
    },
    async exec(text: string) {
      await runner.exec(text);
    },
    async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      if (inTx) return fn(wrap(runner, true));
      return db.transaction((tx) => fn(wrap(tx, true)));
    },
    async listen(channel, onPayload) {
      const unsub = await db.listen(channel, onPayload);
      return async () => {
        await unsub();
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.close();
    },
  });
  return wrap(db, false);
}
