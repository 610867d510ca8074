import { type Actor, type CoreSettings, type OpOptions, registerAgent } from "../../src/core/index.ts";
import type { Sql } from "../../src/db/sql.ts";
import { type Backend, openBackend, type TestDb } from "../helpers/db.ts";

export const person: Actor = { kind: "person", name: "telegram:42", channel: "telegram" };
export const admin: Actor = { kind: "admin", name: "admin" };
export const asPerson: OpOptions = { actor: person };
export const asAgent = (name: string): OpOptions => ({ actor: { kind: "agent", name } });

export const settings: CoreSettings = { leaseSeconds: 60, maxAttempts: 3, agentOfflineSeconds: 120 };

let seq = 0;
/** A name no other test in the file uses. */
export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;

/** Opens one database for a describe block (a PGlite takes seconds to start). */
export function useDb(backend: Backend): {
  readonly sql: Sql;
  open(): Promise<void>;
  close(): Promise<void>;
} {
  let db: TestDb | undefined;
  return {
    get sql() {
      if (!db) throw new Error("database not open yet");
      return db.sql;
    },
    async open() {
      db = await openBackend(backend);
    },
    async close() {
      await db?.drop();
    },
  };
}

/** Row counts and the last event id: "unchanged" means equal before and after. */
export async function snapshot(sql: Sql) {
  const tables = [
    "projects",
    "tasks",
    "task_updates",
    "agents",
    "events",
    "artifacts",
    "tools",
    "model_usage",
    "api_keys",
  ];
  const out: Record<string, number> = {};
  for (const t of tables) {
    const r = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`);
    out[t] = r.rows[0]?.n ?? -1;
  }
  const h = await sql.query<{ h: string }>(
    "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY id), '')) AS h FROM tasks t",
  );
  return { counts: out, tasksHash: h.rows[0]?.h };
}

export async function registerWorker(sql: Sql, name: string, capabilities: string[] = []) {
  const { agent } = await registerAgent(sql, { name, capabilities }, { actor: admin });
  return agent;
}
