import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { HubError } from "../errors.ts";
import type { Sql } from "./sql.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const SCHEMA_FILE = `${ROOT}schema.sql`;
export const MIGRATIONS_DIR = `${ROOT}migrations`;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number(f.slice(0, 4)),
      name: f.slice(5, -4),
      sql: readFileSync(`${dir}/${f}`, "utf8"),
    }));
}

export interface MigrateResult {
  from: number;
  to: number;
  applied: string[];
  fresh: boolean;
}

// Two hub instances starting together must not both migrate.
const LOCK_KEY = 7_263_101;

/**
 * Brings any database to the current schema:
 * - empty: applies schema.sql and records every migration as applied;
 * - the original AgentOps schema (tables but no schema_migrations): version 0, migrates up;
 * - a hub database: applies the migrations it has not recorded yet.
 * Each migration runs in its own transaction with its version row, so a failure leaves the
 * database at the last good version.
 */
export async function migrate(sql: Sql, opts: { migrations?: Migration[]; schema?: string } = {}) {
  const migrations = opts.migrations ?? loadMigrations();
  const latest = migrations.at(-1)?.version ?? 0;
  return sql.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    const recorded = await tx.query<{ version: number }>("SELECT version FROM schema_migrations");
    const done = new Set(recorded.rows.map((r) => r.version));
    const hasTasks = await tx.query<{ t: string | null }>("SELECT to_regclass('tasks')::text AS t");
    const version = done.size > 0 ? Math.max(...done) : hasTasks.rows[0]?.t ? 0 : null;

    if (version === null) {
      await tx.exec(opts.schema ?? readFileSync(SCHEMA_FILE, "utf8"));
      for (const m of migrations) {
        await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
      }
      return {
        from: 0,
        to: latest,
        applied: migrations.map((m) => m.name),
        fresh: true,
      } satisfies MigrateResult;
    }
    if (version > latest) {
      throw new HubError(
        "config_invalid",
        `The database is at schema version ${version}, newer than this hub knows (${latest}). Upgrade the hub.`,
      );
    }
    const applied: string[] = [];
    // Every migration not yet recorded, in order: one merged late with a lower number still runs.
    for (const m of migrations.filter((m) => !done.has(m.version))) {
      try {
        await tx.exec(m.sql);
      } catch (e) {
        throw new HubError("internal", `Migration ${m.version} (${m.name}) failed: ${(e as Error).message}`, {
          cause: e,
        });
      }
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
      applied.push(m.name);
    }
    return { from: version, to: latest, applied, fresh: false } satisfies MigrateResult;
  });
}
