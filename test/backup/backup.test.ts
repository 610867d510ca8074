import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupDatabase } from "../../src/backup/backup.ts";
import { restoreDatabase } from "../../src/backup/restore.ts";
import { backupTables } from "../../src/backup/tables.ts";
import type { Sql } from "../../src/db/sql.ts";
import { BACKENDS, openBackend, type TestDb } from "../helpers/db.ts";

async function snapshot(sql: Sql) {
  const out: Record<string, string[]> = {};
  for (const t of await backupTables(sql)) {
    const r = await sql.query<{ j: string }>(`SELECT row_to_json(x)::text AS j FROM "${t.name}" x`);
    out[t.name] = r.rows.map((x) => x.j).sort();
  }
  return out;
}

async function populate(sql: Sql) {
  await sql.exec(`
    INSERT INTO projects (name, description, priority) VALUES ('Website', 'the new site', 75), ('Launch', NULL, 100);
    INSERT INTO tasks (title, project_id, priority, due_at, created_by)
      SELECT 'task ' || g, (SELECT id FROM projects WHERE name = 'Website'), (g * 7) % 100, now() + (g || ' days')::interval, 'telegram:1'
      FROM generate_series(1, 1500) g;
    UPDATE tasks SET parent_task_id = (SELECT id FROM tasks WHERE title = 'task 1500') WHERE title IN ('task 1', 'task 2');
    INSERT INTO task_updates (task_id, agent_name, update_type, message)
      SELECT id, 'seed', 'progress', 'half way, it''s "fine" \\ ok' FROM tasks WHERE number % 3 = 0;
    INSERT INTO events (event_type, entity_type, entity_id, actor, payload)
      SELECT 'task.created', 'task', id::text, 'admin', jsonb_build_object('n', number, 'emoji', '🚀') FROM tasks;
    INSERT INTO model_usage (agent_name, model, prompt_tokens, completion_tokens, cost_usd)
      VALUES ('cos', 'gpt-x', 100, 20, 0.001234), ('seed', 'claude', 5, 5, 12.5);
    INSERT INTO tools (name, description, input_schema) VALUES ('search', 'web search', '{"type":"object"}');
  `);
}

describe.each(BACKENDS)("backup and restore on %s", (backend) => {
  let src: TestDb;
  let dst: TestDb;
  let dir: string;
  beforeAll(async () => {
    [src, dst] = await Promise.all([openBackend(backend), openBackend(backend)]);
    dir = await mkdtemp(join(tmpdir(), "agentops-backup-"));
    await populate(src.sql);
  });
  afterAll(async () => {
    await Promise.all([src?.drop(), dst?.drop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it("restores a populated database into an empty one with every row", async () => {
    const file = join(dir, "hub.backup.gz");
    const b = await backupDatabase(src.sql, file);
    expect(b.rows.tasks).toBe(1501);
    const r = await restoreDatabase(dst.sql, file);
    expect(r.rows).toEqual(Object.fromEntries(Object.entries(b.rows).filter(([, n]) => n > 0)));
    expect(await snapshot(dst.sql)).toEqual(await snapshot(src.sql));
    // Numbering goes on after the restored tasks.
    const next = await dst.sql.query<{ number: number }>(
      "INSERT INTO tasks (title) VALUES ('after') RETURNING number",
    );
    expect(next.rows[0]?.number).toBe(1502);
  });

  it("refuses to overwrite a database that holds tasks, and a file that is not a backup", async () => {
    const file = join(dir, "hub2.backup.gz");
    await backupDatabase(src.sql, file);
    await expect(restoreDatabase(src.sql, file)).rejects.toThrow(/already holds tasks/);
    const junk = join(dir, "junk.gz");
    await writeFile(junk, "not gzip at all");
    const before = await snapshot(dst.sql);
    await expect(restoreDatabase(dst.sql, junk, { force: true })).rejects.toThrow();
    expect(await snapshot(dst.sql)).toEqual(before);
  });
});
