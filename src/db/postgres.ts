import pg from "pg";
import { mayWrite, type QueryResult, type Sql, writeListeners } from "./sql.ts";

// Task numbers, counts and event ids are int8; they fit in a JS number for any real hub.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export function createPostgresSql(url: string, opts: { max?: number; applicationName?: string } = {}): Sql {
  const max = opts.max ?? 20;
  const newPool = (size: number, onConnect?: (client: pg.ClientBase) => Promise<void>) => {
    const p = new pg.Pool({
      connectionString: url,
      max: size,
      application_name: opts.applicationName ?? "agentops-hub",
      connectionTimeoutMillis: 10_000,
      ...(onConnect ? { onConnect } : {}),
    });
    // An idle client that loses its connection must not crash the process; the pool replaces it.
    p.on("error", () => {});
    return p;
  };
  // Named statements are the agents' hot paths, prepared once per connection so that they are
  // planned once. Left to itself, Postgres keeps planning some of them on every call: a custom
  // plan that sees a batch of two items looks cheaper than the generic one, however often it
  // is chosen (a sixth of the hub's Postgres time with agents completing one task at a time).
  // Their own connections make them keep the generic plan; every other statement still gets a
  // plan for its values, which a list with optional filters needs. A quarter of the pool.
  const preparedSize = Math.max(1, Math.ceil(max / 4));
  const pool = newPool(Math.max(1, max - preparedSize));
  // A SET, not a startup option: connection poolers refuse startup options they do not know.
  // The pool hands the connection out once it is done. A server that refuses it (before
  // Postgres 12) still serves, planning as it likes.
  const prepared = newPool(preparedSize, async (client) => {
    await client.query("SET plan_cache_mode = force_generic_plan").catch(() => {});
  });
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
          : await (tx ? client : prepared).query({ name, text, ...(values ? { values } : {}) });
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
    await Promise.all([pool.end(), prepared.end()]);
  }

  return wrap(pool, undefined);
}
