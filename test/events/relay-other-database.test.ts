import pg from "pg";
import { afterAll, expect, it } from "vitest";
import type { HubEvent } from "../../src/core/types.ts";
import { createLocalEventBus } from "../../src/events/local-bus.ts";
import { createMemoryPublisher } from "../../src/events/memory-publisher.ts";
import { createOutboxRelay } from "../../src/events/outbox-relay.ts";
import { createTestDatabase, type TestDb } from "../helpers/db.ts";
import { waitFor } from "../helpers/wait.ts";
import { captureLogger } from "../infra/capture-logger.ts";
import { insertEvent } from "./outbox-fixtures.ts";

const dbs: TestDb[] = [];
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
});

// Transaction ids are server-wide: a managed Postgres shared with other databases must not let
// their long transactions hold the hub's events back.
it("publishes while another database on the same server keeps a write transaction open", async () => {
  const [ours, other] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  dbs.push(ours, other);
  const { logger } = captureLogger("info");
  const bus = createLocalEventBus(logger);
  const seen: HubEvent[] = [];
  bus.subscribe((e) => {
    seen.push(e);
  });
  const relay = createOutboxRelay({
    sql: ours.sql,
    publisher: createMemoryPublisher(),
    bus,
    logger,
    pollMs: 100,
  });
  const stranger = new pg.Client({ connectionString: other.url });
  await stranger.connect();
  try {
    await stranger.query("BEGIN");
    await stranger.query("INSERT INTO projects (name) VALUES ('held open elsewhere')");
    await relay.start();
    const id = await insertEvent(ours.sql, { entityId: "t1" });
    await waitFor(() => seen.some((e) => e.id === id), {
      what: "the event, despite the other database",
      timeoutMs: 10_000,
    });

    // A transaction of our own database still holds later events back until it ends.
    const mine = new pg.Client({ connectionString: ours.url });
    await mine.connect();
    await mine.query("BEGIN");
    const early = Number(
      (
        await mine.query(
          "INSERT INTO events (event_type, entity_type, entity_id, payload) VALUES ('task.updated','task','t2','{}') RETURNING id",
        )
      ).rows[0].id,
    );
    const late = await insertEvent(ours.sql, { entityId: "t3" });
    await relay.drain(1_000).catch(() => {});
    expect(seen.some((e) => e.id === late)).toBe(false);
    await mine.query("COMMIT");
    await mine.end();
    await waitFor(() => seen.some((e) => e.id === late), {
      what: "both events after the commit",
      timeoutMs: 10_000,
    });
    expect(seen.map((e) => e.id).filter((i) => i === early || i === late)).toEqual([early, late]);
  } finally {
    await stranger.query("ROLLBACK").catch(() => {});
    await stranger.end();
    await relay.stop();
  }
});
