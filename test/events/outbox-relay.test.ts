import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { listPublishedEvents } from "../../src/core/events.ts";
import type { HubEvent } from "../../src/core/types.ts";
import { HubError } from "../../src/errors.ts";
import { createLocalEventBus } from "../../src/events/local-bus.ts";
import { createMemoryPublisher } from "../../src/events/memory-publisher.ts";
import { createOutboxRelay, type OutboxRelay } from "../../src/events/outbox-relay.ts";
import type { EventPublisher } from "../../src/events/types.ts";
import { BACKENDS, createTestDatabase, openBackend, type TestDb } from "../helpers/db.ts";
import { rowsReadBy } from "../helpers/rows-read.ts";
import { waitFor } from "../helpers/wait.ts";
import { captureLogger } from "../infra/capture-logger.ts";
import { insertEvent } from "./outbox-fixtures.ts";

const dbs: TestDb[] = [];
const relays: OutboxRelay[] = [];
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.stop()));
  await Promise.all(dbs.splice(0).map((d) => d.drop()));
});

// pollMs or batchSize null: the relay's own default.
function setup(
  db: TestDb,
  opts: { publisher?: EventPublisher; pollMs?: number | null; batchSize?: number | null } = {},
) {
  const { logger, lines } = captureLogger("info");
  const bus = createLocalEventBus(logger);
  const seen: HubEvent[] = [];
  bus.subscribe((e) => {
    seen.push(e);
  });
  const relay = createOutboxRelay({
    sql: db.sql,
    publisher: opts.publisher ?? createMemoryPublisher(),
    bus,
    logger,
    ...(opts.batchSize === null ? {} : { batchSize: opts.batchSize ?? 10 }),
    ...(opts.pollMs === null ? {} : { pollMs: opts.pollMs ?? 200 }),
    backoff: { initialMs: 10, maxMs: 100 },
  });
  relays.push(relay);
  return { relay, seen, lines, bus };
}

const idsOf = (events: HubEvent[]) => events.map((e) => e.id);

describe.each(BACKENDS)("outbox relay with the in-process publisher on %s", (backend) => {
  // One database for these tests (a PGlite costs seconds to create); each starts from an empty outbox.
  let shared: TestDb;
  beforeAll(async () => {
    shared = await openBackend(backend);
  });
  afterAll(async () => {
    await shared?.drop();
  });
  const fresh = async () => {
    await shared.sql.query("DELETE FROM events");
    return shared;
  };

  it("feeds the local bus every event in order, woken by this process's own commits", async () => {
    const db = await fresh();
    // A poll far beyond the test's timeout: only Sql.onWrite (a write through the same Sql,
    // on its own or committed in a transaction) can wake it. Migration 0009 dropped the NOTIFY.
    const { relay, seen } = setup(db, { pollMs: 600_000 });
    await relay.start();
    const ids: number[] = [];
    for (let i = 0; i < 25; i++) ids.push(await insertEvent(db.sql, { entityId: "a", payload: { i } }));
    await db.sql.transaction(async (tx) => {
      for (let i = 0; i < 5; i++) ids.push(await insertEvent(tx, { entityId: "b", payload: { i } }));
    });
    await waitFor(() => seen.length >= 30, { what: "30 events on the bus" });
    expect(idsOf(seen)).toEqual(ids);
    expect(seen[0]).toMatchObject({ type: "task.updated", entityType: "task", entityId: "a", actor: "test" });
    expect(seen[0]?.payload).toEqual({ i: 0 });
    expect(seen[0]?.createdAt).toBeInstanceOf(Date);
    expect(await relay.lag()).toBe(0);
    expect(relay.counters()).toMatchObject({ published: 30, failures: 0 });
  });

  it("is not woken by reads, nor by its own empty looks: idle means idle", async () => {
    const db = await fresh();
    const { relay, seen } = setup(db, { pollMs: 600_000 });
    await relay.start();
    await insertEvent(db.sql, { entityId: "idle" });
    await waitFor(() => seen.length === 1, { what: "the event on the bus" });
    // Its mark (an UPDATE) may wake it once more; after that nothing may, however long we wait.
    await new Promise((r) => setTimeout(r, 100));
    const settled = relay.counters().batches;
    for (let i = 0; i < 5; i++) await db.sql.query("SELECT count(*) FROM events");
    await relay.lag();
    await new Promise((r) => setTimeout(r, 300));
    expect(relay.counters().batches).toBe(settled);
  });

  it("the events trigger is gone: inserting notifies nobody", async () => {
    const db = await fresh();
    const r = await db.sql.query("SELECT 1 FROM pg_trigger WHERE tgname = 'trg_events_notify'");
    expect(r.rows).toEqual([]);
  });

  it("on a publish failure stops the batch, counts the attempt, backs off and never skips ahead", async () => {
    const db = await fresh();
    // A publisher that refuses event #3 a few times, as NATS would while it is away, and keeps
    // the publisher's contract: an event chained `after` one it does not hold last is refused.
    let refusals = 0;
    const order: number[] = [];
    let third = -1;
    const flaky: EventPublisher = {
      async publish(e, opts) {
        if (e.id === third && refusals < 3) {
          refusals += 1;
          throw new HubError("unavailable", "NATS is away");
        }
        if (opts?.after !== undefined && opts.after !== order.at(-1)) {
          throw new HubError("conflict", `event ${e.id} is not next after ${order.at(-1)}`);
        }
        order.push(e.id);
      },
      status: () => "up",
      async close() {},
    };
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(await insertEvent(db.sql, { entityId: "x" }));
    third = ids[2] ?? -1;
    const { relay, seen, lines } = setup(db, { publisher: flaky });
    await relay.start();
    await relay.drain(10_000);
    expect(order).toEqual(ids);
    expect(idsOf(seen)).toEqual(ids);
    expect(relay.counters().failures).toBe(3);
    expect(await relay.lag()).toBe(0);
    expect(lines.filter((l) => /outbox publish failed/.test(l.msg))).toHaveLength(1);
    expect(lines.filter((l) => /outbox publishing again/.test(l.msg))).toHaveLength(1);
  });

  it("catches up with a backlog in a few large batches, in order", async () => {
    const db = await fresh();
    // As agents completing in batches leave it: thousands of events from a few statements.
    const r = await db.sql.query<{ id: number }>(
      `INSERT INTO events (event_type, entity_type, entity_id, actor, payload)
       SELECT 'task.completed', 'task', 't' || g, 'test', jsonb_build_object('n', g)
       FROM generate_series(1, 3500) g RETURNING id`,
    );
    const ids = r.rows.map((x) => Number(x.id)).sort((a, b) => a - b);
    const { relay, seen } = setup(db, { batchSize: null });
    await relay.drain(30_000);
    expect(idsOf(seen)).toEqual(ids);
    expect(await relay.lag()).toBe(0);
    // 1,000 a batch: a relay taking 100 at a time fell ever further behind such agents.
    expect(relay.counters().batches).toBeLessThanOrEqual(5);
    // Each event's place, as the bus told it, is the place the listing and the database give.
    const told = seen.map((e) => e.seq ?? -1);
    expect(told.every((seq, i) => i === 0 || seq > (told[i - 1] ?? 0))).toBe(true);
    const listed: HubEvent[] = [];
    for (let after = (told[0] ?? 1) - 1; listed.length < ids.length; ) {
      // pages that end inside a batch
      const page = await listPublishedEvents(db.sql, { afterSeq: after, limit: 300 });
      if (page.length === 0) break;
      listed.push(...page);
      after = page.at(-1)?.seq ?? after;
    }
    expect(listed.map((e) => [e.id, e.seq])).toEqual(seen.map((e) => [e.id, e.seq]));
    const byDb = await db.sql.query<{ id: string; seq: string }>(
      "SELECT id, agentops_event_seq(id) AS seq FROM events ORDER BY id",
    );
    expect(byDb.rows.map((x) => [Number(x.id), Number(x.seq)])).toEqual(seen.map((e) => [e.id, e.seq]));
  });

  it("drain() without start() publishes what is there; start and stop are safe twice", async () => {
    const db = await fresh();
    const { relay, seen } = setup(db);
    await relay.drain();
    for (let i = 0; i < 23; i++) await insertEvent(db.sql, { entityId: "d" });
    expect(await relay.lag()).toBe(23);
    await relay.drain();
    expect(seen).toHaveLength(23);
    expect(await relay.lag()).toBe(0);
    await relay.stop();
    await relay.start();
    await relay.start();
    await relay.stop();
    await relay.stop();
  });
});

describe("outbox relay on Postgres with transactions in flight", () => {
  it("waits for a transaction that started earlier and commits later, and skips nothing", async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    const { relay, seen } = setup(db, { pollMs: 100 });
    await relay.start();

    // An open transaction holding an event: its xid is older than everything after it.
    const held = new pg.Client({ connectionString: db.url });
    await held.connect();
    try {
      await held.query("BEGIN");
      const heldId = Number(
        (
          await held.query<{ id: string }>(
            "INSERT INTO events (event_type, entity_type, entity_id) VALUES ('task.held', 'task', 'h') RETURNING id",
          )
        ).rows[0]?.id,
      );
      const later: number[] = [];
      for (let i = 0; i < 5; i++) later.push(await insertEvent(db.sql, { entityId: "later" }));

      // The relay keeps looking (batches run) but publishes none of the later events.
      const before = relay.counters().batches;
      await waitFor(() => relay.counters().batches >= before + 3, { what: "the relay to look a few times" });
      expect(seen).toEqual([]);
      expect(await relay.lag()).toBe(5);

      await held.query("COMMIT");
      await waitFor(() => seen.length === 6, { what: "all six delivered" });
      expect(idsOf(seen)).toEqual([heldId, ...later]);
      expect(await relay.lag()).toBe(0);
    } finally {
      await held.end();
    }
  });

  it("picks up events another process writes within its safety poll, without any wake", async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    const { relay, seen } = setup(db, { pollMs: null });
    await relay.start();
    await relay.drain();
    // Another instance: its own connection, not this Sql, so no onWrite and (since 0009) no NOTIFY.
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      const t0 = Date.now();
      const id = Number(
        (
          await other.query<{ id: string }>(
            "INSERT INTO events (event_type, entity_type, entity_id) VALUES ('task.other', 'task', 'o') RETURNING id",
          )
        ).rows[0]?.id,
      );
      await waitFor(() => seen.length === 1, { what: "the other process's event", timeoutMs: 5_000 });
      expect(idsOf(seen)).toEqual([id]);
      // The default poll is 250 ms; allow a busy machine's scheduling on top, far below 1 s.
      expect(Date.now() - t0).toBeLessThan(1_000);
    } finally {
      await other.end();
    }
  });

  it("an idle look reads a handful of rows, however many events the table holds", async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    // 5,000 events in 50 transactions.
    for (let i = 0; i < 50; i++)
      await db.sql.query(
        `INSERT INTO events (event_type, entity_type, entity_id)
         SELECT 'task.updated', 'task', g::text FROM generate_series(1, 100) g`,
      );
    await db.sql.query("ANALYZE events");
    const { logger } = captureLogger("info");
    const read = await rowsReadBy(db, "events", 10, async (own) => {
      const relay = createOutboxRelay({
        sql: own,
        publisher: createMemoryPublisher(),
        bus: createLocalEventBus(logger),
        logger,
      });
      await relay.drain();
      // Past the five custom plans, into the generic plan a prepared statement settles on.
      for (let i = 0; i < 10; i++) await relay.drain();
    });
    // Publishing reads each event once. Before the look at the newest event went by the
    // index, each later look read the whole table again: 30,000 rows here.
    expect(read).toBeLessThan(5_000 + 100);
  });

  it("with two relays on one database, each event is published once, in order", async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    const published: number[] = [];
    const shared: EventPublisher = {
      async publish(e) {
        published.push(e.id);
      },
      status: () => "embedded",
      async close() {},
    };
    const a = setup(db, { publisher: shared, pollMs: 50 });
    const b = setup(db, { publisher: shared, pollMs: 50 });
    await Promise.all([a.relay.start(), b.relay.start()]);
    const byWriter: number[][] = Array.from({ length: 10 }, () => []);
    await Promise.all(
      byWriter.map(async (own, w) => {
        for (let i = 0; i < 20; i++) own.push(await insertEvent(db.sql, { entityId: `w${w}` }));
      }),
    );
    await a.relay.drain(20_000);
    const ids = byWriter.flat();
    expect(published).toHaveLength(200);
    expect(new Set(published).size).toBe(200);
    expect([...published].sort((x, y) => x - y)).toEqual([...ids].sort((x, y) => x - y));
    // Each writer committed its events one after another: they leave in that order, whichever
    // relay held the lock for each batch.
    for (const own of byWriter) expect(published.filter((id) => own.includes(id))).toEqual(own);
    // drain() returns once the queue is empty; the other relay counts its last batch just after
    // its commit.
    const counted = () => a.relay.counters().published + b.relay.counters().published;
    await waitFor(() => counted() >= 200, { what: "both relays' counts" });
    expect(counted()).toBe(200);
  });
});
