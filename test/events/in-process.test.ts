import { describe, expect, it } from "vitest";
import type { HubEvent } from "../../src/core/types.ts";
import { createEventPublisher } from "../../src/events/create-publisher.ts";
import { createLocalEventBus } from "../../src/events/local-bus.ts";
import { captureLogger } from "../infra/capture-logger.ts";

const e: HubEvent = {
  id: 42,
  type: "task.completed",
  entityType: "task",
  entityId: "abc",
  actor: "worker-1",
  payload: { title: "Ship it", nested: { ok: true } },
  createdAt: new Date("2025-01-02T03:04:05.678Z"),
};

describe("local event bus", () => {
  it("delivers in order to every subscriber; one failing handler does not stop the others", async () => {
    const { logger, lines } = captureLogger();
    const bus = createLocalEventBus(logger);
    const got: number[] = [];
    const handler = (x: HubEvent) => {
      got.push(x.id);
    };
    const off1 = bus.subscribe(handler);
    bus.subscribe(() => {
      throw new Error("boom");
    });
    bus.subscribe(async () => {
      throw new Error("async boom");
    });
    const off2 = bus.subscribe(handler);
    bus.emit({ ...e, id: 1 });
    bus.emit({ ...e, id: 2 });
    off1();
    off1();
    bus.emit({ ...e, id: 3 });
    off2();
    bus.emit({ ...e, id: 4 });
    expect(got).toEqual([1, 1, 2, 2, 3]);
    await Promise.resolve();
    expect(lines.filter((l) => l.msg === "event handler failed")).toHaveLength(8);
  });
});

describe("createEventPublisher without NATS_URL", () => {
  it("is in process and says so once", async () => {
    const { logger, lines } = captureLogger();
    const p = createEventPublisher(
      {
        natsUrl: undefined,
        natsCredsFile: undefined,
        natsCreds: undefined,
        natsStream: "S",
        natsSubjectPrefix: "p",
      },
      logger,
    );
    expect(p.status()).toBe("embedded");
    await p.publish(e);
    await p.close();
    expect(lines.map((l) => l.msg)).toEqual([
      "NATS_URL not set: events are delivered in-process only (single instance, no JetStream)",
    ]);
  });
});
