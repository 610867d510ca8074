import { connect } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HubEvent } from "../../src/core/types.ts";
import { createLocalEventBus } from "../../src/events/local-bus.ts";
import { createMemoryPublisher } from "../../src/events/memory-publisher.ts";
import { createNatsPublisher } from "../../src/events/nats-publisher.ts";
import { createOutboxRelay } from "../../src/events/outbox-relay.ts";
import { listSetAside, requeueSetAside } from "../../src/events/outbox-set-aside.ts";
import type { EventPublisher } from "../../src/events/types.ts";
import { createTestDatabase, type TestDb } from "../helpers/db.ts";
import { type ServiceProcess, startNatsServer } from "../helpers/services.ts";
import { captureLogger } from "../infra/capture-logger.ts";
import { insertEvent, readStream } from "./outbox-fixtures.ts";

let db: TestDb;
let nats: ServiceProcess;

beforeAll(async () => {
  [db, nats] = await Promise.all([createTestDatabase(), startNatsServer({ maxPayload: 4_096 })]);
});
afterAll(async () => {
  await nats?.dispose();
  await db?.drop();
});

function relayWith(publisher: EventPublisher, logger = captureLogger("info").logger) {
  const bus = createLocalEventBus(logger);
  const seen: number[] = [];
  bus.subscribe((e: HubEvent) => {
    seen.push(e.id);
  });
  const relay = createOutboxRelay({ sql: db.sql, publisher, bus, logger, backoff: { initialMs: 20 } });
  return { relay, seen };
}

describe("an event NATS can never take", () => {
  it("is set aside, and the events after it still leave, in order", async () => {
    const { logger, lines } = captureLogger("info");
    const publisher = createNatsPublisher(
      { natsUrl: nats.url, natsCredsFile: undefined, natsStream: "ASIDE", natsSubjectPrefix: "aside" },
      logger,
      { publishTimeoutMs: 2_000 },
    );
    const { relay, seen } = relayWith(publisher, logger);
    const before = await insertEvent(db.sql, { entityId: "a", payload: { n: 1 } });
    // a comment pasted whole: far over the server's 4 KB max_payload
    const huge = await insertEvent(db.sql, { entityId: "a", payload: { text: "x".repeat(20_000) } });
    const after = await insertEvent(db.sql, { entityId: "a", payload: { n: 2 } });

    await relay.drain(15_000);
    expect(await relay.lag()).toBe(0);
    expect(relay.counters()).toMatchObject({ published: 2, setAside: 1, failures: 0 });
    // the hub's own consumers still had it, in its place
    expect(seen).toEqual([before, huge, after]);
    const nc = await connect({ servers: nats.url });
    try {
      const stream = await readStream(nc, "ASIDE", 2);
      expect(stream.map((m) => m.event.id)).toEqual([before, after]);
    } finally {
      await nc.close();
    }
    const aside = await listSetAside(db.sql);
    expect(aside).toMatchObject([{ eventId: huge, type: "task.updated", attempts: 1 }]);
    expect(aside[0]?.error).toMatch(/MAX_PAYLOAD_EXCEEDED/);
    expect(lines.filter((l) => l.level === 50 && /set aside/.test(l.msg))).toHaveLength(1);
    await relay.stop();
    await publisher.close();
  });

  it("goes out again once queued again, to NATS only", async () => {
    const got: number[] = [];
    const { relay, seen } = relayWith({
      ...createMemoryPublisher(),
      publish: async (e) => void got.push(e.id),
    });
    const [aside] = await listSetAside(db.sql);
    expect(aside).toBeDefined();
    expect(await requeueSetAside(db.sql, [aside?.eventId ?? 0])).toBe(1);
    expect(await requeueSetAside(db.sql)).toBe(0);
    await relay.drain(10_000);
    expect(got).toEqual([aside?.eventId]);
    expect(seen).toEqual([]);
    expect(await listSetAside(db.sql)).toEqual([]);
  });
});
