import { describe, expect, it } from "vitest";
import type { HubEvent } from "../../src/core/types.ts";
import { decodeEvent, encodeEvent, eventSubject } from "../../src/events/event-codec.ts";

const e: HubEvent = {
  id: 42,
  type: "task.completed",
  entityType: "task",
  entityId: "abc",
  actor: "worker-1",
  payload: { title: "Ship it", nested: { ok: true } },
  createdAt: new Date("2025-01-02T03:04:05.678Z"),
};

describe("event codec", () => {
  it("round-trips an event through JSON", () => {
    expect(decodeEvent(encodeEvent(e))).toEqual(e);
  });

  it("maps event types to subjects under the prefix, never escaping it", () => {
    expect(eventSubject("agentops", "task.completed")).toBe("agentops.task.completed");
    expect(eventSubject("a.b", "weird type.*.>")).toBe("a.b.weird_type._._");
    expect(eventSubject("agentops", "..")).toBe("agentops.unknown");
  });

  it("refuses a message that is not an event", () => {
    expect(() => decodeEvent(new TextEncoder().encode("nope"))).toThrow(/not JSON/);
    expect(() => decodeEvent(new TextEncoder().encode("{}"))).toThrow(/lacks/);
  });
});
