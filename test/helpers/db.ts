import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrate } from "../../src/db/migrate.ts";
import { createPgliteSql } from "../../src/db/pglite.ts";
import { createPostgresSql } from "../../src/db/postgres.ts";
import type { Sql } from "../../src/db/sql.ts";

/** The machine's PostgreSQL; tests need it for real (CI starts it, never skips). */
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDb {
  url: string;
  sql: Sql;
  drop(): Promise<void>;
}

/** A fresh, empty database of its own, so test files can run side by side. */
export async function createTestDatabase(opts: { migrate?: boolean } = {}): Promise<TestDb> {
  const name = `agentops_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  const sql = createPostgresSql(url, { max: 30 });
  if (opts.migrate !== false) await migrate(sql);
  return {
    url,
    sql,
    async drop() {
      await sql.close();
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}

/** An in-memory PGlite with the schema applied. */
export async function createTestPglite(opts: { migrate?: boolean } = {}): Promise<TestDb> {
  const sql = await createPgliteSql(undefined);
  if (opts.migrate !== false) await migrate(sql);
  return { url: "pglite://memory", sql, drop: () => sql.close() };
}

export type Backend = "postgres" | "pglite";
export const BACKENDS: Backend[] = ["postgres", "pglite"];
export const openBackend = (b: Backend, opts: { migrate?: boolean } = {}) =>
  b === "postgres" ? createTestDatabase(opts) : createTestPglite(opts);
