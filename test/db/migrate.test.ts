import { readFileSync } from "node:fs";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { listPublishedEvents, listPublishedPage } from "../../src/core/events.ts";
import type { HubEvent } from "../../src/core/types.ts";
import { loadMigrations, migrate, SCHEMA_FILE } from "../../src/db/migrate.ts";
import type { Sql } from "../../src/db/sql.ts";
import { createLocalEventBus } from "../../src/events/local-bus.ts";
import { createMemoryPublisher } from "../../src/events/memory-publisher.ts";
import { createOutboxRelay } from "../../src/events/outbox-relay.ts";
import { insertEvent } from "../events/outbox-fixtures.ts";
import { BACKENDS, openBackend, type TestDb } from "../helpers/db.ts";

const V0 = readFileSync(new URL("../fixtures/schema-v0.sql", import.meta.url), "utf8");

/** Everything about the schema a user could depend on, order-independent. */
async function catalog(sql: Sql) {
  const q = async (text: string) =>
    (await sql.query<Record<string, unknown>>(text)).rows.map((r) => JSON.stringify(r));
  return {
    columns: (
      await q(`SELECT table_name, column_name, data_type, is_nullable, column_default
               FROM information_schema.columns WHERE table_schema = 'public'
               AND table_name <> 'schema_migrations' ORDER BY 1, 2`)
    ).sort(),
    indexes: (
      await q(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
               AND tablename <> 'schema_migrations' ORDER BY 1`)
    ).sort(),
    constraints: (
      await q(`SELECT conrelid::regclass::text AS rel, conname, pg_get_constraintdef(oid) AS def
               FROM pg_constraint WHERE connamespace = 'public'::regnamespace
               AND conrelid::regclass::text <> 'schema_migrations' ORDER BY 1, 2`)
    ).sort(),
    views: (
      await q(`SELECT viewname, definition FROM pg_views WHERE schemaname = 'public' ORDER BY 1`)
    ).sort(),
    triggers: (
      await q(`SELECT tgrelid::regclass::text AS rel, tgname, pg_get_triggerdef(oid) AS def
               FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2`)
    ).sort(),
    functions: (
      await q(`SELECT proname, md5(prosrc) AS src FROM pg_proc
               WHERE pronamespace = 'public'::regnamespace ORDER BY 1`)
    ).sort(),
  };
}

async function counts(sql: Sql) {
  const tables = [
    "projects",
    "tasks",
    "task_updates",
    "agents",
    "events",
    "artifacts",
    "tools",
    "model_usage",
  ];
  const out: Record<string, number> = {};
  for (const t of tables) {
    const r = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`);
    out[t] = r.rows[0]?.n ?? -1;
  }
  return out;
}

describe.each(BACKENDS)("schema and migrations on %s", (backend) => {
  const dbs: TestDb[] = [];
  const open = async (migrateIt: boolean) => {
    const db = await openBackend(backend, { migrate: migrateIt });
    dbs.push(db);
    return db;
  };
  afterEach(async () => {
    await Promise.all(dbs.splice(0).map((d) => d.drop()));
  });

  it("creates the seed rows on a fresh database", async () => {
    const { sql } = await open(true);
    const agents = await sql.query<{ name: string; type: string }>(
      "SELECT name, type FROM agents ORDER BY name",
    );
    expect(agents.rows).toEqual([
      { name: "cos", type: "chief_of_staff" },
      { name: "seed", type: "worker" },
    ]);
    const t = await sql.query<{ title: string; number: number; project: string }>(
      `SELECT t.title, t.number, p.name AS project FROM tasks t JOIN projects p ON p.id = t.project_id`,
    );
    expect(t.rows).toEqual([
      { title: "Validate AgentOps System", number: 1, project: "System Initialization" },
    ]);
  });

  it("applying schema.sql twice changes nothing", async () => {
    const { sql } = await open(true);
    const before = { cat: await catalog(sql), rows: await counts(sql) };
    await sql.exec(readFileSync(SCHEMA_FILE, "utf8"));
    await migrate(sql);
    expect({ cat: await catalog(sql), rows: await counts(sql) }).toEqual(before);
  });

  it("upgrades an original AgentOps database in place, keeping its data", async () => {
    const old = await open(false);
    await old.sql.exec(V0);
    await old.sql.exec(`
      INSERT INTO projects (name) VALUES ('Website');
      INSERT INTO tasks (title, project_id, created_at)
        SELECT 'old task ' || g, (SELECT id FROM projects WHERE name = 'Website'), now() - (g || ' minutes')::interval
        FROM generate_series(1, 5) g;
      INSERT INTO events (event_type, entity_type, payload) VALUES ('task.created', 'task', '{"x":1}');
      INSERT INTO task_updates (task_id, message) SELECT id, 'hello' FROM tasks LIMIT 1;`);
    const before = await counts(old.sql);

    const r = await migrate(old.sql);
    expect(r.from).toBe(0);
    expect(r.applied.length).toBe(loadMigrations().length);
    expect(await counts(old.sql)).toEqual(before);

    // Numbered in creation order: the oldest task is the seed task, then "old task 5" ... "old task 1".
    const nums = await old.sql.query<{ title: string; number: number }>(
      "SELECT title, number FROM tasks ORDER BY number",
    );
    expect(nums.rows.map((r) => r.title)).toEqual([
      "old task 5",
      "old task 4",
      "old task 3",
      "old task 2",
      "old task 1",
      "Validate AgentOps System",
    ]);
    // History is not replayed into NATS.
    const unpublished = await old.sql.query("SELECT 1 FROM unpublished_events");
    expect(unpublished.rowCount).toBe(0);
    // New tasks continue the numbering.
    const next = await old.sql.query<{ number: number }>(
      "INSERT INTO tasks (title) VALUES ('new') RETURNING number",
    );
    expect(next.rows[0]?.number).toBe(7);

    // The upgraded catalog is exactly what schema.sql gives a fresh database.
    const fresh = await open(true);
    expect(await catalog(old.sql)).toEqual(await catalog(fresh.sql));

    // And migrating again is a no-op.
    const again = await migrate(old.sql);
    expect(again.applied).toEqual([]);
  });

  it("moves the relay from its queue to the cursor: queued events once, then new ones, in order", async () => {
    const old = await open(false);
    await old.sql.exec(V0);
    await migrate(old.sql, { migrations: loadMigrations().filter((m) => m.version <= 14) });
    // a hub at version 14: one event published (its place in the feed), one still queued
    const published = await insertEvent(old.sql, { entityId: "published" });
    const queued = await insertEvent(old.sql, { entityId: "queued" });
    await old.sql.query("DELETE FROM outbox WHERE event_id = $1", [published]);
    await old.sql.query("INSERT INTO event_feed (event_id) VALUES ($1)", [published]);
    const r = await migrate(old.sql);
    expect(r.applied).toEqual(["outbox_cursor", "task_list_order", "task_completed_at", "last_published_id"]);
    const fresh = await insertEvent(old.sql, { entityId: "fresh" });
    // a filtered page that matched nothing hands back a cursor past the last event published:
    // here the feed's, then a batch's
    const nothing = { types: ["nothing.matches"] };
    expect((await listPublishedPage(old.sql, nothing)).nextEvent).toBe(published);

    const logger = pino({ level: "silent" });
    const bus = createLocalEventBus(logger);
    const seen: HubEvent[] = [];
    bus.subscribe((e) => {
      seen.push(e);
    });
    const relay = createOutboxRelay({ sql: old.sql, publisher: createMemoryPublisher(), bus, logger });
    await relay.drain(10_000);
    // the queued one, then the new one; the published one is not published again
    expect(seen.map((e) => e.id)).toEqual([queued, fresh]);
    expect(await relay.lag()).toBe(0);
    expect((await listPublishedPage(old.sql, nothing)).nextEvent).toBe(fresh);
    const all = await listPublishedEvents(old.sql, { afterSeq: 0 });
    expect(all.map((e) => e.id)).toEqual([published, queued, fresh]);
    expect(all.slice(1).map((e) => e.seq)).toEqual(seen.map((e) => e.seq));
    // and a cursor taken before the upgrade resumes after its event
    const after = await listPublishedEvents(old.sql, { afterEvent: published });
    expect(after.map((e) => e.id)).toEqual([queued, fresh]);
    // an event not published yet counts from the nearest published one below it
    await insertEvent(old.sql, { entityId: "waiting" });
    const waiting = await insertEvent(old.sql, { entityId: "waiting too" });
    expect(await listPublishedEvents(old.sql, { afterEvent: waiting })).toEqual([]);
  });

  it("moves what an earlier hub left unpublished into the outbox table, attempts included", async () => {
    const old = await open(false);
    await old.sql.exec(V0);
    await migrate(old.sql, { migrations: loadMigrations().filter((m) => m.version <= 10) });
    // a hub at version 10 stopped with NATS away: two events unpublished, one tried twice
    const ids = await old.sql.query<{ id: number }>(
      `INSERT INTO events (event_type, entity_type, published_at, publish_attempts)
       VALUES ('task.created', 'task', now(), 0), ('task.claimed', 'task', NULL, 2),
              ('task.completed', 'task', NULL, 0)
       RETURNING id`,
    );
    const [published, tried, waiting] = ids.rows.map((r) => Number(r.id));
    const r = await migrate(old.sql);
    expect(r.applied).toEqual([
      "outbox_table",
      "outbox_set_aside",
      "event_feed",
      "notifier_seq",
      "outbox_cursor",
      "task_list_order",
      "task_completed_at",
      "last_published_id",
    ]);
    // what was published keeps its id as its place in the feed: old stream cursors still resume
    const feed = await old.sql.query<{ seq: number; event_id: number }>(
      "SELECT seq, event_id FROM event_feed WHERE event_id = ANY($1::bigint[])",
      [[published, tried, waiting]],
    );
    expect(feed.rows.map((f) => [Number(f.seq), Number(f.event_id)])).toEqual([[published, published]]);
    const queued = await old.sql.query<{ event_id: number; attempts: number }>(
      "SELECT event_id, attempts FROM outbox ORDER BY event_id",
    );
    expect(queued.rows.map((q) => [Number(q.event_id), q.attempts])).toEqual([
      [tried, 2],
      [waiting, 0],
    ]);
    expect(published).toBeLessThan(tried ?? 0);
    // and from now on every new event waits for the relay's cursor, with no queue row
    const next = await old.sql.query<{ id: number }>(
      "INSERT INTO events (event_type) VALUES ('task.created'), ('task.updated') RETURNING id",
    );
    const after = await old.sql.query<{ queued: number; unpublished: number }>(
      `SELECT (SELECT count(*)::int FROM outbox WHERE event_id = ANY($1::bigint[])) AS queued,
              (SELECT count(*)::int FROM unpublished_events WHERE event_id = ANY($1::bigint[])) AS unpublished`,
      [next.rows.map((x) => x.id)],
    );
    expect(after.rows[0]).toEqual({ queued: 0, unpublished: 2 });
    expect(await catalog(old.sql)).toEqual(await catalog((await open(true)).sql));
  });
});
