import type { ReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { migrate } from "../db/migrate.ts";
import type { Sql } from "../db/sql.ts";
import { HubError } from "../errors.ts";
import { BACKUP_FORMAT, type BackupHeader } from "./backup.ts";
import { fileError } from "./file-error.ts";
import { backupTables, quoteIdent } from "./tables.ts";

export interface RestoreResult {
  rows: Record<string, number>;
}

/**
 * Restores a backup into a database that holds nothing but the seed rows (or anything, with
 * force). All or nothing: one transaction, so a bad file leaves the database as it was.
 */
export async function restoreDatabase(
  sql: Sql,
  file: string,
  opts: { force?: boolean } = {},
): Promise<RestoreResult> {
  let source: ReadStream;
  try {
    source = (await open(file, "r")).createReadStream();
  } catch (e) {
    throw fileError("read the backup", file, e, "there is no such file");
  }
  try {
    return await restoreFrom(sql, file, source, opts);
  } finally {
    // A refused or failed restore stops reading too, instead of leaving the file open.
    source.destroy();
  }
}

async function restoreFrom(
  sql: Sql,
  file: string,
  source: ReadStream,
  opts: { force?: boolean },
): Promise<RestoreResult> {
  await migrate(sql);
  const gunzip = createGunzip();
  // pipe() does not pass a read error on: without this it would go unhandled and end the process.
  source.on("error", (e) => gunzip.destroy(e));
  const input = createInterface({ input: source.pipe(gunzip), crlfDelay: Infinity });
  const it = input[Symbol.asyncIterator]();
  let header: BackupHeader;
  try {
    const first = await it.next();
    header = JSON.parse(String(first.value ?? "")) as BackupHeader;
  } catch (e) {
    throw new HubError("bad_request", `${file} is not an AgentOps backup (unreadable header)`, { cause: e });
  }
  if (header.format !== BACKUP_FORMAT || header.version !== 1) {
    throw new HubError("bad_request", `${file} is not an AgentOps backup of a version this hub reads`);
  }

  const rows: Record<string, number> = {};
  await sql.transaction(async (tx) => {
    const tables = await backupTables(tx);
    const known = new Map(tables.map((t) => [t.name, t]));
    const unknown = header.tables.filter((t) => !known.has(t));
    if (unknown.length > 0) {
      throw new HubError(
        "bad_request",
        `the backup has tables this hub does not know: ${unknown.join(", ")}`,
      );
    }
    if (!opts.force) {
      const r = await tx.query<{ n: number }>(
        "SELECT (SELECT count(*) FROM tasks) + (SELECT count(*) FROM projects) + (SELECT count(*) FROM task_updates) AS n",
      );
      if ((r.rows[0]?.n ?? 0) > 2) {
        throw new HubError(
          "conflict",
          "the target database already holds tasks; restore into an empty one (or use --force)",
        );
      }
    }
    await tx.exec(`TRUNCATE ${tables.map((t) => quoteIdent(t.name)).join(", ")} RESTART IDENTITY CASCADE`);
    // Rows come back exactly as they were: no updated_at stamps, no "task ready" notifications.
    for (const t of tables) await tx.exec(`ALTER TABLE ${quoteIdent(t.name)} DISABLE TRIGGER USER`);

    for (;;) {
      const next = await it.next();
      if (next.done) break;
      const line = String(next.value);
      if (!line.trim()) continue;
      const chunk = JSON.parse(line) as { table: string; rows: Record<string, unknown>[] };
      const t = known.get(chunk.table);
      if (!t) throw new HubError("bad_request", `unknown table in backup: ${chunk.table}`);
      const q = quoteIdent(t.name);
      // Self-references (a subtask's parent) may point forward in the file: set them after.
      const data = t.selfRefs.length
        ? chunk.rows.map((r) =>
            Object.fromEntries(Object.entries(r).map(([k, v]) => [k, t.selfRefs.includes(k) ? null : v])),
          )
        : chunk.rows;
      await tx.query(`INSERT INTO ${q} SELECT * FROM json_populate_recordset(NULL::${q}, $1::json)`, [
        JSON.stringify(data),
      ]);
      for (const col of t.selfRefs) {
        const refs = chunk.rows.filter((r) => r[col] != null).map((r) => ({ id: r.id, ref: r[col] }));
        if (refs.length === 0) continue;
        await tx.query(
          `UPDATE ${q} SET ${quoteIdent(col)} = (j->>'ref')::uuid
           FROM json_array_elements($1::json) j WHERE ${q}.id = (j->>'id')::uuid`,
          [JSON.stringify(refs)],
        );
      }
      rows[t.name] = (rows[t.name] ?? 0) + chunk.rows.length;
    }

    for (const t of tables) await tx.exec(`ALTER TABLE ${quoteIdent(t.name)} ENABLE TRIGGER USER`);

    // Sequences continue after the restored rows (task numbers, event ids).
    const seqs = await tx.query<{ tbl: string; col: string; seq: string }>(
      `SELECT c.relname AS tbl, a.attname AS col, pg_get_serial_sequence(quote_ident(c.relname), a.attname) AS seq
       FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
         AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL`,
    );
    for (const s of seqs.rows) {
      await tx.query(
        `SELECT setval($1, GREATEST((SELECT coalesce(max(${quoteIdent(s.col)}), 0) FROM ${quoteIdent(s.tbl)}), 1),
                (SELECT count(*) > 0 FROM ${quoteIdent(s.tbl)}))`,
        [s.seq],
      );
    }
    // The restored events carry the old server's transaction ids: set the outbox cursor anew.
    await tx.query("SELECT agentops_outbox_rebase()");
  });
  return { rows };
}
