import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import { HubError } from "../errors.ts";
import { mayWrite, type QueryResult, type Sql, writeListeners } from "./sql.ts";

type Runner = Pick<PGlite, "query" | "exec"> | Pick<Transaction, "query" | "exec">;

/**
 * The embedded database: one Postgres in WebAssembly, kept in a folder (or in memory when
 * dataDir is undefined). Single connection, so PGlite serialises transactions itself.
 */
export async function createPgliteSql(dataDir: string | undefined): Promise<Sql> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const unlock = dataDir ? lockDataDir(dataDir) : () => {};
  let db: PGlite;
  try {
    db = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  } catch (e) {
    unlock();
    throw e;
  }
  let closed = false;
  const writes = writeListeners();

  // tx: the open transaction's state (undefined outside one); `wrote` decides whether its
  // commit calls the onWrite listeners. Statement names are ignored: PGlite has no planning
  // round trip worth saving.
  const wrap = (runner: Runner, tx: { wrote: boolean } | undefined): Sql => ({
    dialect: "pglite",
    async query<T>(text: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      const r = await runner.query<T>(text, params as unknown[] | undefined);
      if (mayWrite(text)) {
        if (tx) tx.wrote = true;
        else writes.fire();
      }
      // PGlite reports affectedRows 0 for a SELECT: count the rows it returned then.
      return { rows: r.rows, rowCount: Math.max(r.rows.length, r.affectedRows ?? 0) };
    },
    async exec(text: string) {
      await runner.exec(text);
      if (tx) tx.wrote = true;
      else writes.fire();
    },
    async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      if (tx) return fn(wrap(runner, tx));
      const state = { wrote: false };
      const out = await db.transaction((t) => fn(wrap(t, state)));
      if (state.wrote) writes.fire();
      return out;
    },
    async listen(channel, onPayload) {
      const unsub = await db.listen(channel, onPayload);
      return async () => {
        await unsub();
      };
    },
    onWrite: (listener) => writes.add(listener),
    async close() {
      if (closed) return;
      closed = true;
      await db.close();
      unlock();
    },
  });
  return wrap(db, undefined);
}

/**
 * PGlite is one process's database: a second process writing the same folder would corrupt it.
 * A lock file with our pid keeps a second hub (or a CLI command) out while the first runs; a
 * lock left by a process that no longer exists is taken over.
 */
function lockDataDir(dir: string): () => void {
  const file = join(dir, "agentops.lock");
  try {
    const holder = Number(readFileSync(file, "utf8").trim());
    if (holder && holder !== process.pid && isAlive(holder)) {
      throw new HubError(
        "unavailable",
        `The embedded database in ${dir} is in use by another AgentOps process (pid ${holder}). ` +
          "Stop it first, use the REST API while it runs, or set DATABASE_URL to share a PostgreSQL.",
      );
    }
  } catch (e) {
    if (e instanceof HubError) throw e;
  }
  writeFileSync(file, String(process.pid));
  return () => rmSync(file, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
