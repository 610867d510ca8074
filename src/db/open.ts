import { resolve } from "node:path";
import type { Config } from "../config.ts";
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
  if (opts.migrate !== false) {
    const r = await migrate(sql);
    if (r.applied.length > 0)
      logger.info({ from: r.from, to: r.to, applied: r.applied }, "database migrated");
  }
  return sql;
}
