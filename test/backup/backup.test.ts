import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupDatabase } from "../../src/backup/backup.ts";
import { restoreDatabase } from "../../src/backup/restore.ts";
import { backupTables } from "../../src/backup/tables.ts";
import { listPublishedEvents } from "../../src/core/events.ts";
import type { Sql } from "../../src/db/sql.ts";
import { createMemoryPublisher } from "../../src/events/memory-publisher.ts";
import { createOutboxRelay } from "../../src/events/outbox-relay.ts";
import { insertEvent } from "../events/outbox-fixtures.ts";
import { BACKENDS, createTestDatabase, openBackend, type TestDb } from "../helpers/db.ts";
import { rowsReadBy } from "../helpers/rows-read.ts";

// The relay's bookkeeping is set anew by a restore (the events' transaction ids are another
// server's): compared by what it means instead, which events wait and which place each has.
const RELAY_TABLES = new Set(["outbox", "outbox_cursor", "event_batches", "event_feed"]);

async function snapshot(sql: Sql) {
  const out: Record<string, string[]> = {};
  for (const t of await backupTables(sql)) {
    if (RELAY_TABLES.has(t.name)) continue;
    const r = await sql.query<{ j: string }>(
      t.name === "events"
        ? "SELECT (to_jsonb(x) - 'tx_id')::text AS j FROM events x"
        : `SELECT row_to_json(x)::text AS j FROM "${t.name}" x`,
    );
    out[t.name] = r.rows.map((x) => x.j).sort();
  }
  const relay = await sql.query<{ id: string; seq: string | null; unpublished: boolean }>(
    "SELECT id, agentops_event_seq(id) AS seq, agentops_event_unpublished(id) AS unpublished FROM events ORDER BY id",
  );
  out.relay = relay.rows.map((x) => `${x.id} ${x.seq} ${x.unpublished}`);
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
    // As from another server, ahead of this one: its events' transaction ids, and its relay's
    // cursor past all of them (all published there).
    await src.sql.exec(`
      UPDATE events SET tx_id = (pg_current_xact_id()::text::bigint + 1000000)::text::xid8;
      UPDATE outbox_cursor SET tx_id = (pg_current_xact_id()::text::bigint + 1000000)::text::xid8,
        event_id = (SELECT max(id) FROM events), legacy_until = pg_current_xact_id();`);
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
    // A new event leaves: the cursor is not left ahead of this server's transactions.
    const id = await insertEvent(dst.sql, { entityId: "after the restore" });
    const relay = createOutboxRelay({
      sql: dst.sql,
      publisher: createMemoryPublisher(),
      logger: pino({ level: "silent" }),
    });
    expect(await relay.lag()).toBe(1);
    await relay.drain(10_000);
    expect(await relay.lag()).toBe(0);
    const last = await listPublishedEvents(dst.sql, { afterSeq: 0, limit: 1000 });
    expect(last.map((e) => e.id)).toEqual([id]);
  });

  it("refuses to overwrite a database that holds tasks, and a file that is not a backup", async () => {
    const file = join(dir, "hub2.backup.gz");
    await backupDatabase(src.sql, file);
    await expect(restoreDatabase(src.sql, file)).rejects.toThrow(/already holds tasks/);
    const junk = join(dir, "junk.gz");
    await writeFile(junk, "not gzip at all");
    const before = await snapshot(dst.sql);
    await expect(restoreDatabase(dst.sql, junk, { force: true })).rejects.toThrow();
    const missing = join(dir, "missing.backup.gz");
    await expect(restoreDatabase(dst.sql, missing, { force: true })).rejects.toThrow(
      `Cannot read the backup ${missing}: there is no such file.`,
    );
    expect(await snapshot(dst.sql)).toEqual(before);
  });
});

describe("backup of a large database on Postgres", () => {
  let db: TestDb;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), "agentops-backup-large-"));
  });
  afterAll(async () => {
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("reads each table once, however many pages it takes", async () => {
    await db.sql.query(
      `INSERT INTO events (event_type, entity_type, entity_id)
       SELECT 'task.updated', 'task', g::text FROM generate_series(1, 5000) g`,
    );
    const file = join(dir, "large.backup.gz");
    let rows: Record<string, number> = {};
    const read = await rowsReadBy(db, "events", 1, async (own) => {
      rows = (await backupDatabase(own, file)).rows;
    });
    expect(rows.events).toBe(5000);
    // Paged by offset, each page read (and sorted) the whole table: 30,000 rows here.
    expect(read).toBeLessThan(5000 + 100);
  });

  it("a file it cannot write fails with the reason, and leaves nothing behind", async () => {
    const file = join(dir, "no such folder", "x.backup.gz");
    await expect(backupDatabase(db.sql, file)).rejects.toThrow(
      `Cannot write the backup to ${file}: its folder does not exist.`,
    );
    await expect(readdir(join(dir))).resolves.toEqual(["large.backup.gz"]);
  });
});
