import { connect } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HubEvent } from "../../src/core/types.ts";
import { createLocalEventBus } from "../../src/events/local-bus.ts";
import { createNatsPublisher } from "../../src/events/nats-publisher.ts";
import { createOutboxRelay } from "../../src/events/outbox-relay.ts";
import { createTestDatabase, type TestDb } from "../helpers/db.ts";
import { type ServiceProcess, startNatsServer } from "../helpers/services.ts";
import { waitFor } from "../helpers/wait.ts";
import { captureLogger } from "../infra/capture-logger.ts";
import { insertEvent, markedWithoutAck, readStream, recordingPublisher } from "./outbox-fixtures.ts";

let db: TestDb;
let nats: ServiceProcess;

beforeAll(async () => {
  [db, nats] = await Promise.all([createTestDatabase(), startNatsServer()]);
});
afterAll(async () => {
  await nats?.dispose();
  await db?.drop();
});

describe("outbox relay while NATS goes away", () => {
  it("keeps writes succeeding, holds events, and delivers each once, in order, after NATS is back", async () => {
    const { logger, lines } = captureLogger("info");
    const publisher = recordingPublisher(
      createNatsPublisher(
        { natsUrl: nats.url, natsCredsFile: undefined, natsStream: "OUTAGE", natsSubjectPrefix: "outage" },
        logger,
        { publishTimeoutMs: 1_000 },
      ),
    );
    const bus = createLocalEventBus(logger);
    const seen: HubEvent[] = [];
    bus.subscribe((e) => {
      seen.push(e);
    });
    const relay = createOutboxRelay({
      sql: db.sql,
      publisher,
      bus,
      logger,
      pollMs: 200,
      backoff: { initialMs: 50, maxMs: 1_000 },
    });
    await relay.start();

    let written = 0;
    const write = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await insertEvent(db.sql, { entityId: `e-${written % 7}`, payload: { n: written } });
        written += 1;
      }
    };

    await write(50);
    await waitFor(async () => (await relay.lag()) === 0, { what: "first events published" });
    expect(publisher.status()).toBe("up");

    await nats.stop();
    await waitFor(() => publisher.status() === "down", { what: "publisher down" });
    await write(100);
    // Held, and the relay kept trying without marking anything it could not publish.
    await waitFor(async () => relay.counters().failures >= 2, { what: "failed publish attempts" });
    expect(await relay.lag()).toBe(100);
    expect(await markedWithoutAck(db.sql, publisher.ackedSet)).toEqual([]);

    // Writes during the restart too.
    await Promise.all([nats.restart(), write(50)]);
    await waitFor(async () => (await relay.lag()) === 0, { timeoutMs: 30_000, what: "backlog published" });
    await write(10);
    await relay.drain(10_000);
    expect(await markedWithoutAck(db.sql, publisher.ackedSet)).toEqual([]);

    const nc = await connect({ servers: nats.url });
    try {
      const msgs = await readStream(nc, "OUTAGE", written);
      const info = await (await nc.jetstreamManager()).streams.info("OUTAGE");
      expect(info.state.messages).toBe(written);
      const ids = msgs.map((m) => m.event.id);
      const all = (await db.sql.query<{ id: number }>("SELECT id FROM events ORDER BY id")).rows.map(
        (r) => r.id,
      );
      // Exactly once each: retries after a lost ack were dropped by JetStream as duplicates.
      expect(new Set(ids).size).toBe(written);
      expect([...ids].sort((a, b) => a - b)).toEqual(all);
      // In order: the order the relay published them, and the local bus saw each once in that order.
      expect(ids).toEqual(seen.map((e) => e.id));
      // Written one after another, so commit order is id order.
      expect(ids).toEqual(all);
    } finally {
      await nc.close();
    }

    expect(lines.filter((l) => /NATS disconnected/.test(l.msg))).toHaveLength(1);
    expect(lines.filter((l) => /NATS reconnected/.test(l.msg)).length).toBeGreaterThanOrEqual(1);
    expect(lines.filter((l) => /outbox publish failed/.test(l.msg))).toHaveLength(1);
    await relay.stop();
    await publisher.close();
  });

  it("starts with NATS down and publishes once it comes up", async () => {
    const { logger } = captureLogger("warn");
    await nats.stop();
    const publisher = createNatsPublisher(
      { natsUrl: nats.url, natsCredsFile: undefined, natsStream: "LATE", natsSubjectPrefix: "late" },
      logger,
      { publishTimeoutMs: 500 },
    );
    const relay = createOutboxRelay({ sql: db.sql, publisher, logger, pollMs: 200, backoff: { maxMs: 500 } });
    await relay.start();
    const id = await insertEvent(db.sql, { entityId: "late" });
    await waitFor(async () => relay.counters().failures > 0, { what: "a failed attempt" });
    expect(publisher.status()).toBe("down");
    await nats.restart();
    await relay.drain(20_000);
    const nc = await connect({ servers: nats.url });
    try {
      const [m] = await readStream(nc, "LATE", 1);
      expect(m?.event.id).toBe(id);
    } finally {
      await nc.close();
    }
    await relay.stop();
    await publisher.close();
  });

  it("closes cleanly while NATS was never reachable", async () => {
    const { logger } = captureLogger("warn");
    await nats.stop();
    const publisher = createNatsPublisher(
      { natsUrl: nats.url, natsCredsFile: undefined, natsStream: "NEVER", natsSubjectPrefix: "never" },
      logger,
      { publishTimeoutMs: 200 },
    );
    await expect(
      publisher.publish({
        id: 1,
        type: "x",
        entityType: null,
        entityId: null,
        actor: null,
        payload: {},
        createdAt: new Date(),
      }),
    ).rejects.toMatchObject({ code: "unavailable" });
    await publisher.close();
    await publisher.close();
    await nats.restart();
  });
});
