import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, type Hub, startHub } from "./harness.ts";
import { openSse } from "./sse-client.ts";

let hub: Hub;
beforeAll(async () => {
  hub = await startHub({ options: { sseHeartbeatMs: 200 } });
});
afterAll(async () => {
  await hub?.close();
});

const createTask = async (title: string) => {
  const r = await hub.call("POST", "/v1/tasks", { body: { title } });
  expect(r.status).toBe(201);
  return r.body.task as { id: string; number: number };
};

const eventsFor = async (taskId: string) => {
  const r = await hub.call("GET", "/v1/events?type=task.created&limit=1000");
  return (r.body.events as Array<{ id: number; entity_id: string }>).filter((e) => e.entity_id === taskId);
};

describe("events", () => {
  it("lists events after a cursor, filtered by type", async () => {
    const t1 = await createTask("one");
    const [e1] = await eventsFor(t1.id);
    expect(e1).toBeDefined();
    const t2 = await createTask("two");
    const r = await hub.call("GET", `/v1/events?since=${e1?.id}&type=task.created`);
    expect(r.status).toBe(200);
    expect(r.body.events.map((e: { entity_id: string }) => e.entity_id)).toEqual([t2.id]);
    expect(r.body.events[0]).toMatchObject({ type: "task.created", actor: "admin", entity_type: "task" });
    expect(r.body.next_cursor).toBe(String(r.body.events[0].id));
  });

  it("SSE resumes from Last-Event-ID: the missed events, then live ones, each once and in order", async () => {
    const first = await createTask("seen before the disconnect");
    const missed1 = await createTask("missed 1");
    const missed2 = await createTask("missed 2");
    await hub.relay.drain();
    const [seen] = await eventsFor(first.id);

    const stream = await openSse(`${hub.url}/v1/events/stream?type=task.created`, {
      authorization: `Bearer ${ADMIN_KEY}`,
      "last-event-id": String(seen?.id),
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const titles = () => stream.messages.map((m) => JSON.parse(m.data).payload.title as string);
    await stream.until(() => stream.messages.length >= 2);
    expect(titles().slice(0, 2)).toEqual(["missed 1", "missed 2"]);

    const live = await createTask("live after resume");
    await stream.until(() => titles().includes("live after resume"));
    expect(titles()).toEqual(["missed 1", "missed 2", "live after resume"]);
    const m = stream.messages[2];
    expect(m?.event).toBe("task.created");
    expect(JSON.parse(m?.data ?? "{}").entity_id).toBe(live.id);
    const ids = stream.messages.map((x) => Number(x.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(stream.messages.map((x) => JSON.parse(x.data).entity_id)).toEqual([
      missed1.id,
      missed2.id,
      live.id,
    ]);

    await stream.until(() => stream.comments.includes("ping"));
    stream.close();
  });

  it("loses nothing published while the replay is running", async () => {
    const before = await createTask("before");
    await hub.relay.drain();
    const [cursor] = await eventsFor(before.id);
    // tasks created while the stream connects and replays
    const burst = Promise.all(Array.from({ length: 30 }, (_, i) => createTask(`burst ${i}`)));
    const stream = await openSse(`${hub.url}/v1/events/stream?since=${cursor?.id}&type=task.*`, {
      authorization: `Bearer ${ADMIN_KEY}`,
    });
    const created = await burst;
    const want = new Set(created.map((t) => t.id));
    await stream.until(
      () => stream.messages.filter((m) => want.has(JSON.parse(m.data).entity_id)).length >= created.length,
    );
    const got = stream.messages
      .map((m) => JSON.parse(m.data).entity_id as string)
      .filter((id) => want.has(id));
    expect(new Set(got).size).toBe(created.length);
    expect(got.length).toBe(created.length); // no duplicates
    stream.close();
  });

  it("refuses a stream without a key", async () => {
    const r = await hub.call("GET", "/v1/events/stream", { key: null });
    expect(r.status).toBe(401);
  });
});
