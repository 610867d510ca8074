import { createWriteStream } from "node:fs";
import { rename } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import type { Sql } from "../db/sql.ts";
import { backupTables, quoteIdent } from "./tables.ts";

export const BACKUP_FORMAT = "agentops-backup";
const BATCH = 1_000;

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  version: 1;
  schemaVersions: number[];
  createdAt: string;
  tables: string[];
}

export interface BackupResult {
  file: string;
  rows: Record<string, number>;
}

/**
 * A logical backup that works the same on PGlite and Postgres: gzip'd JSON lines, a header,
 * then each table's rows in batches, read in one repeatable-read snapshot so the file is
 * consistent while the hub keeps running.
 */
export async function backupDatabase(sql: Sql, file: string): Promise<BackupResult> {
  const rows: Record<string, number> = {};
  async function* lines() {
    const out: string[] = [];
    await sql.transaction(async (tx) => {
      if (tx.dialect === "postgres")
        await tx.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
      const tables = await backupTables(tx);
      const versions = await tx.query<{ version: number }>(
        "SELECT version FROM schema_migrations ORDER BY 1",
      );
      const header: BackupHeader = {
        format: BACKUP_FORMAT,
        version: 1,
        schemaVersions: versions.rows.map((r) => r.version),
        createdAt: new Date().toISOString(),
        tables: tables.map((t) => t.name),
      };
      out.push(`${JSON.stringify(header)}\n`);
      for (const t of tables) {
        rows[t.name] = 0;
        for (let offset = 0; ; offset += BATCH) {
          const r = await tx.query<{ j: string }>(
            `SELECT row_to_json(x)::text AS j FROM ${quoteIdent(t.name)} x ORDER BY ctid LIMIT ${BATCH} OFFSET ${offset}`,
          );
          if (r.rows.length === 0) break;
          rows[t.name] = (rows[t.name] ?? 0) + r.rows.length;
          out.push(`{"table":${JSON.stringify(t.name)},"rows":[${r.rows.map((x) => x.j).join(",")}]}\n`);
          if (r.rows.length < BATCH) break;
        }
      }
    });
    yield* out;
  }
  // Write beside the target, then rename: an interrupted backup never looks complete.
  const tmp = `${file}.partial`;
  await pipeline(lines(), createGzip(), createWriteStream(tmp));
  await rename(tmp, file);
  return { file, rows };
}
