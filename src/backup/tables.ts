import type { Sql } from "../db/sql.ts";

export interface TableInfo {
  name: string;
  /** columns that reference the same table (tasks.parent_task_id): restored in a second pass */
  selfRefs: string[];
}

/**
 * Every table of the hub in an order where each table comes after the tables it references,
 * read from the catalog so a new migration's tables are backed up without changes here.
 */
export async function backupTables(sql: Sql): Promise<TableInfo[]> {
  const tables = await sql.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relname <> 'schema_migrations'
     ORDER BY 1`,
  );
  const fks = await sql.query<{ child: string; parent: string; column: string }>(
    `SELECT con.conrelid::regclass::text AS child, con.confrelid::regclass::text AS parent,
            a.attname AS column
     FROM pg_constraint con
     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = ANY (con.conkey)
     WHERE con.contype = 'f' AND con.connamespace = 'public'::regnamespace`,
  );
  const names = tables.rows.map((r) => r.name);
  const deps = new Map(names.map((n) => [n, new Set<string>()]));
  const selfRefs = new Map(names.map((n) => [n, [] as string[]]));
  for (const fk of fks.rows) {
    if (fk.child === fk.parent) selfRefs.get(fk.child)?.push(fk.column);
    else deps.get(fk.child)?.add(fk.parent);
  }
  const ordered: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string, path: Set<string>) => {
    if (seen.has(n) || path.has(n)) return;
    path.add(n);
    for (const d of deps.get(n) ?? []) visit(d, path);
    seen.add(n);
    ordered.push(n);
  };
  for (const n of names) visit(n, new Set());
  return ordered.map((name) => ({ name, selfRefs: selfRefs.get(name) ?? [] }));
}

export const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;
