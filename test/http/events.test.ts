import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait.ts";
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
  return (r.body.events as Array<{ id: number; seq?: number; entity_id: string }>).filter(
    (e) => e.entity_id === taskId,
  );
};

/** A connection of its own, for transactions the test holds open. */
const client = async () => {
  const c = new pg.Client({ connectionString: hub.db.url });
  await c.connect();
  return c;
};

/** An event written straight to the table, as another process would. */
const insert = async (c: pg.Client, title: string) =>
  Number(
    (
      await c.query<{ id: string }>(
        `INSERT INTO events (event_type, entity_type, entity_id, payload)
         VALUES ('task.created', 'task', $1, jsonb_build_object('title', $1::text)) RETURNING id`,
        [title],
      )
    ).rows[0]?.id,
  );

describe("events", () => {
  it("lists events after a cursor, filtered by type", async () => {
    const t1 = await createTask("one");
    // listed once published: the relay takes milliseconds
    await hub.relay.drain();
    const [e1] = await eventsFor(t1.id);
    expect(e1).toBeDefined();
    const t2 = await createTask("two");
    await hub.relay.drain();
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
      // a stream resumes from a place in the order of publication: the event's seq
      "last-event-id": String(seen?.seq),
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
    const stream = await openSse(`${hub.url}/v1/events/stream?since=${cursor?.seq}&type=task.*`, {
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

  it("resumes after an event published before one with a lower id, without skipping that one", async () => {
    const [early, open, late] = await Promise.all([client(), client(), client()]);
    try {
      // Three transactions take their ids in this order: early, open, late. late writes its
      // event first (lower id) and commits; early writes after it (higher id) and commits;
      // open stays open, so late's event must wait for it while early's may go at once.
      await early.query("BEGIN");
      await early.query("SELECT pg_current_xact_id()");
      await open.query("BEGIN");
      await open.query("SELECT pg_current_xact_id()");
      await late.query("BEGIN");
      const lowId = await insert(late, "reorder low id");
      await late.query("COMMIT");
      const highId = await insert(early, "reorder high id");
      await early.query("COMMIT");
      expect(lowId).toBeLessThan(highId);

      const seqOf = async (id: number) => {
        const r = await hub.db.sql.query<{ seq: string | null }>("SELECT agentops_event_seq($1) AS seq", [
          id,
        ]);
        return r.rows[0]?.seq ? Number(r.rows[0].seq) : undefined;
      };
      const highSeq = await waitFor(() => seqOf(highId), { what: "the higher id published" });
      expect(await seqOf(lowId)).toBeUndefined();
      // a client saw the higher one, then lost its connection; the lower one goes out after
      await open.query("COMMIT");
      const lowSeq = await waitFor(() => seqOf(lowId), { what: "the lower id published" });
      expect(lowSeq).toBeGreaterThan(highSeq);

      const stream = await openSse(`${hub.url}/v1/events/stream?type=task.created`, {
        authorization: `Bearer ${ADMIN_KEY}`,
        "last-event-id": String(highSeq),
      });
      await stream.until(() => stream.messages.some((m) => JSON.parse(m.data).id === lowId));
      expect(stream.messages.some((m) => JSON.parse(m.data).id === highId)).toBe(false);
      stream.close();
    } finally {
      await Promise.all([early, open, late].map((c) => c.end()));
    }
  });

  it("a client paging with next_cursor gets an event that committed after one with a higher id", async () => {
    const before = await createTask("cursor before the reorder");
    await hub.relay.drain();
    const [start] = await eventsFor(before.id);
    const [open, other] = await Promise.all([client(), client()]);
    const seen: number[] = [];
    let cursor = String(start?.id);
    const page = async () => {
      const r = await hub.call("GET", `/v1/events?since=${cursor}&type=task.created`);
      expect(r.status).toBe(200);
      seen.push(...r.body.events.map((e: { id: number }) => e.id));
      cursor = r.body.next_cursor;
    };
    try {
      // open writes the lower id and stays open; other writes a higher one and commits
      await open.query("BEGIN");
      const lowId = await insert(open, "paged low id");
      const highId = await insert(other, "paged high id");
      expect(lowId).toBeLessThan(highId);
      // a poll now: the higher one is committed, yet nothing before it is sure yet
      await page();
      await open.query("COMMIT");
      await waitFor(
        async () => {
          await page();
          return seen.includes(lowId) && seen.includes(highId);
        },
        { what: "both events paged" },
      );
      expect(seen).toEqual([lowId, highId]);
      await page();
      expect(seen).toEqual([lowId, highId]);
    } finally {
      await Promise.all([open, other].map((c) => c.end()));
    }
  });

  it("a poll for a type nothing matches hands back a cursor past every event it looked at", async () => {
    for (const title of ["busy 1", "busy 2", "busy 3"]) await createTask(title);
    await hub.relay.drain();
    const all = await hub.call("GET", "/v1/events?limit=1000");
    const lastId = String(all.body.events.at(-1).id);
    // Nothing of this type yet: the cursor moves past what was looked at, not back to where
    // it was, so the next poll does not walk those events again.
    const none = await hub.call("GET", "/v1/events?type=project.paused");
    expect(none.body).toEqual({ events: [], next_cursor: lastId });
    const again = await hub.call("GET", `/v1/events?type=project.paused&since=${lastId}`);
    expect(again.body).toEqual({ events: [], next_cursor: lastId });
    // What comes after is still found from there.
    const p = await hub.call("POST", "/v1/projects", { body: { name: "Rare events" } });
    expect(p.status).toBe(201);
    await hub.call("PATCH", `/v1/projects/${p.body.project.id}`, { body: { status: "paused" } });
    await createTask("after the pause");
    await hub.relay.drain();
    const found = await hub.call("GET", `/v1/events?type=project.paused&since=${lastId}`);
    expect(found.body.events.map((e: { type: string }) => e.type)).toEqual(["project.paused"]);
    // and the cursor is past the task created after it too: it was looked at
    const newest = await hub.call("GET", "/v1/events?limit=1000");
    expect(found.body.next_cursor).toBe(String(newest.body.events.at(-1).id));
  });

  it("lists by type family too (task.*)", async () => {
    const t = await createTask("family");
    await hub.relay.drain();
    const r = await hub.call("GET", "/v1/events?type=task.*&limit=1000");
    expect(r.status).toBe(200);
    const mine = r.body.events.filter((e: { entity_id: string }) => e.entity_id === t.id);
    expect(mine.map((e: { type: string }) => e.type)).toEqual(["task.created"]);
  });

  it("refuses a stream without a key", async () => {
    const r = await hub.call("GET", "/v1/events/stream", { key: null });
    expect(r.status).toBe(401);
  });
});
