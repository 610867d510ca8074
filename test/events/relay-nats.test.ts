import { connect, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HubEvent } from "../../src/core/types.ts";
import { createLocalEventBus } from "../../src/events/local-bus.ts";
import { createNatsPublisher } from "../../src/events/nats-publisher.ts";
import { createOutboxRelay } from "../../src/events/outbox-relay.ts";
import { createTestDatabase, type TestDb } from "../helpers/db.ts";
import { captureLogger } from "../infra/capture-logger.ts";
import { markedWithoutAck, readStream, recordingPublisher, writeEntityEvent } from "./outbox-fixtures.ts";

// The machine's NATS, with a stream and subject prefix of this test's own.
const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const tag = Math.random().toString(36).slice(2, 8);
const STREAM = `T_RELAY_${tag}`;
const PREFIX = `trelay${tag}`;

let db: TestDb;
let nc: NatsConnection;

beforeAll(async () => {
  db = await createTestDatabase();
  nc = await connect({ servers: NATS_URL });
});
afterAll(async () => {
  await (await nc?.jetstreamManager())?.streams.delete(STREAM).catch(() => {});
  await nc?.close();
  await db?.drop();
});

describe("outbox relay to JetStream", () => {
  it("delivers 500 events from concurrent transactions once each, in order, marking only acked ones", async () => {
    const { logger } = captureLogger("warn");
    const publisher = recordingPublisher(
      createNatsPublisher(
        { natsUrl: NATS_URL, natsCredsFile: undefined, natsStream: STREAM, natsSubjectPrefix: PREFIX },
        logger,
      ),
    );
    const bus = createLocalEventBus(logger);
    const seen: HubEvent[] = [];
    bus.subscribe((e) => {
      seen.push(e);
    });
    const relay = createOutboxRelay({ sql: db.sql, publisher, bus, logger, batchSize: 50, pollMs: 200 });
    await relay.start();
    await relay.start();

    // While writers and the relay run, nothing may be marked published before its ack.
    let writing = true;
    const violations: number[] = [];
    const checker = (async () => {
      while (writing) violations.push(...(await markedWithoutAck(db.sql, publisher.ackedSet)));
    })();

    const entities = Array.from({ length: 10 }, (_, i) => `task-${i}`);
    const perWorker = 25;
    await Promise.all(
      Array.from({ length: 20 }, async (_, w) => {
        for (let i = 0; i < perWorker; i++)
          await writeEntityEvent(db.sql, entities[(w + i) % entities.length] ?? "x");
      }),
    );
    await relay.drain(30_000);
    writing = false;
    await checker;
    expect(violations).toEqual([]);
    expect(await relay.lag()).toBe(0);
    expect(relay.counters().published).toBe(500);

    const msgs = await readStream(nc, STREAM, 500);
    const info = await (await nc.jetstreamManager()).streams.info(STREAM);
    expect(info.state.messages).toBe(500);
    const ids = msgs.map((m) => m.event.id);
    expect(new Set(ids).size).toBe(500);
    // The stream holds them in the order the relay published them, which is the order the
    // local bus saw them.
    expect(ids).toEqual(publisher.acked);
    expect(ids).toEqual(seen.map((e) => e.id));
    for (const m of msgs) {
      expect(m.subject).toBe(`${PREFIX}.task.updated`);
      expect(m.msgId).toBe(`evt-${m.event.id}`);
    }
    // Per entity, in the order the entity's transactions committed.
    for (const entity of entities) {
      const ns = msgs.filter((m) => m.event.entityId === entity).map((m) => m.event.payload.n);
      expect(ns).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    }
    // Event ids of one entity rise too (each writer waited for the previous one).
    for (const entity of entities) {
      const own = ids.filter((_, i) => msgs[i]?.event.entityId === entity);
      expect(own).toEqual([...own].sort((a, b) => a - b));
    }

    await relay.stop();
    await relay.stop();
    await publisher.close();
    await publisher.close();
  });

  it("refuses an event chained after one the stream does not hold last, and stores nothing", async () => {
    const { logger } = captureLogger("warn");
    const stream = `${STREAM}_CHAIN`;
    const prefix = `${PREFIX}chain`;
    const publisher = createNatsPublisher(
      { natsUrl: NATS_URL, natsCredsFile: undefined, natsStream: stream, natsSubjectPrefix: prefix },
      logger,
    );
    const event = (id: number): HubEvent => ({
      id,
      type: "task.updated",
      entityType: "task",
      entityId: "chain",
      actor: "test",
      payload: { n: id },
      createdAt: new Date(),
    });
    try {
      await publisher.publish(event(1));
      await publisher.publish(event(2), { after: 1 });
      // 3 never landed, so 4 may not go after it
      await expect(publisher.publish(event(4), { after: 3 })).rejects.toMatchObject({ code: "conflict" });
      await publisher.publish(event(3), { after: 2 });
      await publisher.publish(event(4), { after: 3 });
      const msgs = await readStream(nc, stream, 4);
      expect(msgs.map((m) => m.event.id)).toEqual([1, 2, 3, 4]);
    } finally {
      await (await nc.jetstreamManager()).streams.delete(stream).catch(() => {});
      await publisher.close();
    }
  });
});
