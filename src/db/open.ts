import { resolve } from "node:path";
import type { Config } from "../config.ts";
import { HubError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { migrate } from "./migrate.ts";
import { createPgliteSql } from "./pglite.ts";
import { createPostgresSql } from "./postgres.ts";
import type { Sql } from "./sql.ts";

/** Postgres when DATABASE_URL is set, otherwise the embedded PGlite in DATA_DIR/pg. */
export async function openDatabase(
  config: Pick<Config, "databaseUrl" | "databasePoolSize" | "dataDir">,
  logger: Logger,
  opts: { migrate?: boolean } = {},
): Promise<Sql> {
  let sql: Sql;
  if (config.databaseUrl) {
    sql = createPostgresSql(config.databaseUrl, { max: config.databasePoolSize });
    logger.info({ db: "postgres" }, "using PostgreSQL");
  } else {
    const dir = resolve(config.dataDir, "pg");
    sql = await createPgliteSql(dir);
    logger.warn({ db: "pglite", dir }, "no DATABASE_URL: using the embedded PGlite database");
  }
  try {
    // A first query even without migrating: a wrong URL fails here, with a clear message.
    if (opts.migrate === false) await sql.query("SELECT 1");
    else {
      const r = await migrate(sql);
      if (r.applied.length > 0)
        logger.info({ from: r.from, to: r.to, applied: r.applied }, "database migrated");
    }
  } catch (e) {
    await sql.close().catch(() => {});
    if (!config.databaseUrl || e instanceof HubError) throw e;
    throw unreachable(config.databaseUrl, e);
  }
  return sql;
}

/** Which database could not be reached and why, never with its password. */
function unreachable(url: string, e: unknown): HubError {
  const u = new URL(url);
  const where = `${u.hostname}:${u.port || "5432"}${u.pathname}`;
  const err = e as { code?: string; message?: string };
  const why =
    err.code === "ECONNREFUSED"
      ? "nothing is listening there"
      : err.code === "ENOTFOUND"
        ? "the host name does not resolve"
        : err.code === "28P01" || err.code === "28000"
          ? "the user name or password is refused"
          : err.code === "3D000"
            ? "that database does not exist"
            : (err.message ?? String(e));
  return new HubError("unavailable", `Cannot use the database at ${where} (DATABASE_URL): ${why}.`, {
    cause: e,
  });
}
