import pg from "pg";
import { mayWrite, type QueryResult, type Sql, writeListeners } from "./sql.ts";

// Task numbers, counts and event ids are int8; they fit in a JS number for any real hub.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export function createPostgresSql(url: string, opts: { max?: number; applicationName?: string } = {}): Sql {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 20,
    application_name: opts.applicationName ?? "agentops-hub",
    connectionTimeoutMillis: 10_000,
  });
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  let closed = false;
  const listeners = new Set<pg.Client>();
  const writes = writeListeners();

  // tx: the open transaction's state (undefined outside one); `wrote` decides whether its
  // commit calls the onWrite listeners.
  const wrap = (client: pg.PoolClient | pg.Pool, tx: { wrote: boolean } | undefined): Sql => ({
    dialect: "postgres",
    async query<T>(text: string, params?: readonly unknown[], name?: string): Promise<QueryResult<T>> {
      const values = params as unknown[] | undefined;
      const r =
        name === undefined
          ? await client.query(text, values)
          : await client.query({ name, text, ...(values ? { values } : {}) });
      if (mayWrite(text)) {
        if (tx) tx.wrote = true;
        else writes.fire();
      }
      return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
    },
    async exec(text: string) {
      await client.query(text);
      if (tx) tx.wrote = true;
      else writes.fire();
    },
    async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      if (tx) return fn(wrap(client, tx));
      const c = await pool.connect();
      try {
        await c.query("BEGIN");
        const state = { wrote: false };
        const out = await fn(wrap(c, state));
        await c.query("COMMIT");
        if (state.wrote) writes.fire();
        return out;
      } catch (e) {
        await c.query("ROLLBACK").catch(() => {});
        throw e;
      } finally {
        c.release();
      }
    },
    listen: (channel, onPayload) => listen(channel, onPayload),
    onWrite: (listener) => writes.add(listener),
    close,
  });

  async function listen(channel: string, onPayload: (payload: string) => void) {
    const c = new pg.Client({ connectionString: url, application_name: "agentops-hub-listen" });
    c.on("error", () => {});
    await c.connect();
    listeners.add(c);
    c.on("notification", (n) => {
      if (n.channel === channel) onPayload(n.payload ?? "");
    });
    await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    return async () => {
      listeners.delete(c);
      await c.end().catch(() => {});
    };
  }

  async function close() {
    if (closed) return;
    closed = true;
    await Promise.all([...listeners].map((c) => c.end().catch(() => {})));
    await pool.end();
  }

  return wrap(pool, undefined);
}
