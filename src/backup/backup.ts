import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import type { Sql } from "../db/sql.ts";
import { fileError } from "./file-error.ts";
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
 * consistent while the hub keeps running. Each table is read once, through a cursor, and each
 * batch is written out as it comes: a paged read (ORDER BY ctid OFFSET n) sorted the whole
 * table for every page, and a backup held in memory grew with the database.
 */
export async function backupDatabase(sql: Sql, file: string): Promise<BackupResult> {
  const rows: Record<string, number> = {};
  // Write beside the target, then rename: an interrupted backup never looks complete.
  const tmp = `${file}.partial`;
  const out = new PassThrough();
  const written = pipeline(out, createGzip(), createWriteStream(tmp));
  // A failed write (a full disk) ends the pipeline: the reads stop at the next line.
  let failed: unknown;
  written.catch((e: unknown) => {
    failed = e;
  });
  const write = async (line: string) => {
    if (failed !== undefined) throw failed;
    if (!out.write(line)) await Promise.race([once(out, "drain"), written]);
  };
  try {
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
      await write(`${JSON.stringify(header)}\n`);
      for (const t of tables) {
        rows[t.name] = 0;
        await tx.exec(
          `DECLARE agentops_backup NO SCROLL CURSOR FOR SELECT row_to_json(x)::text AS j FROM ${quoteIdent(t.name)} x`,
        );
        for (;;) {
          const r = await tx.query<{ j: string }>(`FETCH FORWARD ${BATCH} FROM agentops_backup`);
          if (r.rows.length === 0) break;
          rows[t.name] = (rows[t.name] ?? 0) + r.rows.length;
          await write(`{"table":${JSON.stringify(t.name)},"rows":[${r.rows.map((x) => x.j).join(",")}]}\n`);
          if (r.rows.length < BATCH) break;
        }
        await tx.exec("CLOSE agentops_backup");
      }
    });
    out.end();
    await written;
  } catch (e) {
    out.destroy();
    await written.catch(() => {});
    await rm(tmp, { force: true });
    throw e === failed ? fileError("write the backup to", file, e, "its folder does not exist") : e;
  }
  await rename(tmp, file);
  return { file, rows };
}
