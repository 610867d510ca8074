import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { OutboundMessage } from "../../src/channels/types.ts";
import { getPreferences } from "../../src/conversation/preferences.ts";
import {
  addTaskUpdate,
  claimTask,
  completeTask,
  createTask,
  failTask,
  listEvents,
  listPublishedEvents,
} from "../../src/core/index.ts";
import type { HubEvent } from "../../src/core/types.ts";
import { createNotifier, type Notifier } from "../../src/cos/notifier.ts";
import type { QueuedEvent } from "../../src/events/cluster-events.ts";
import { createLocalEventBus } from "../../src/events/local-bus.ts";
import { createMemoryPublisher } from "../../src/events/memory-publisher.ts";
import { createOutboxRelay } from "../../src/events/outbox-relay.ts";
import { createHarness, type Harness, logger } from "../conversation/harness.ts";
import { waitFor } from "../helpers/wait.ts";

interface Sent {
  channel: string;
  conversation: string;
  msg: OutboundMessage;
}

/** The hub's own relay and bus, driven by the test: pump() publishes what is committed. */
function createFeed(h: Harness) {
  const bus = createLocalEventBus(logger);
  const relay = createOutboxRelay({ sql: h.db.sql, publisher: createMemoryPublisher(), bus, logger });
  return {
    subscribe: (handler: (e: HubEvent) => void) => bus.subscribe(handler),
    /** history goes out before the notifier listens */
    skipHistory: () => relay.drain(),
    /** a relay that redelivers everything it ever published */
    async replayAll() {
      for (const e of await listPublishedEvents(h.db.sql, { limit: 1000 })) bus.emit(e);
    },
    /** publishes everything committed so far */
    pump: () => relay.drain(),
  };
}

const agent = { actor: { kind: "agent" as const, name: "seed" } };

let h: Harness;
let sent: Sent[];
let feed: ReturnType<typeof createFeed>;
let notifier: Notifier | undefined;

const start = async (batchWindowMs = 30) => {
  notifier = createNotifier({
    sql: h.db.sql,
    subscribe: feed.subscribe,
    send: async (channel, conversation, msg) => {
      sent.push({ channel, conversation, msg });
    },
    logger,
    batchWindowMs,
  });
  await notifier.start();
  return notifier;
};

/** The notifier's cursor reached the newest event: everything so far was sent or skipped. */
const settled = async () => {
  const newest =
    (await h.db.sql.query<{ id: number }>("SELECT max(id)::int AS id FROM events")).rows[0]?.id ?? 0;
  await waitFor(async () => ((await getPreferences(h.db.sql)).lastEventId ?? 0) >= newest, {
    what: "notifier cursor",
  });
};

/** An agent takes a task and finishes it. */
async function agentCompletes(title: string, priority: "medium" | "high" = "medium") {
  const t = await createTask(h.db.sql, { title, assignedTo: "seed", priority }, agent);
  const c = await claimTask(h.db.sql, t.number, "seed", { leaseSeconds: 300 });
  await completeTask(h.db.sql, t.number, { claimToken: c.claimToken, result: "all good" }, agent);
  return t.number;
}

/** A completion told, then the notifier stops. */
async function toldThenStopped(title: string) {
  await start();
  await agentCompletes(title);
  await feed.pump();
  await waitFor(() => sent.length === 1, { what: "first notification" });
  await settled();
  await notifier?.stop();
}

/** A completion published while the notifier is down, told once it starts again. */
async function missedWhileDown(title: string) {
  const n = await agentCompletes(title);
  await feed.pump();
  await start();
  await waitFor(() => sent.length === 2, { what: "the missed notification" });
  return n;
}

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.db.drop();
});

beforeEach(async () => {
  // One database for the file; each test starts with a person who never set anything.
  await h.db.sql.exec("DELETE FROM notification_preferences; DELETE FROM conversation_state;");
  sent = [];
  feed = createFeed(h);
  // The person talks on Telegram first: that is where notifications go.
  await h.say("notify me about everything");
  await feed.skipHistory();
});
afterEach(async () => {
  await notifier?.stop();
  notifier = undefined;
});

describe("notifier", () => {
  it("tells the person on their channel when an agent completes a task", async () => {
    await start();
    const n = await agentCompletes("write the launch email");
    await feed.pump();
    await waitFor(() => sent.length >= 1, { what: "a notification" });
    await settled();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.channel).toBe("telegram");
    expect(sent[0]?.conversation).toBe("100");
    expect(sent[0]?.msg.text).toContain(`seed finished task ${n}, 'write the launch email'`);
    expect(sent[0]?.msg.taskNumber).toBe(n);
  });

  it("batches a burst into one message", async () => {
    await start(300);
    for (let i = 0; i < 5; i++) await agentCompletes(`burst task ${i}`);
    await feed.pump();
    await waitFor(() => sent.length >= 1, { what: "the batched notification" });
    await settled();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.msg.text).toMatch(/^5 updates:/);
    expect(sent[0]?.msg.speech?.split(/\s+/).length).toBeLessThan(75);
  });

  it("does not repeat after a restart, and catches up on what came while it was down", async () => {
    await toldThenStopped("before the restart");
    // While it is down: one more completion (the relay publishes it to nobody).
    const n = await missedWhileDown("while it was down");
    await settled();
    expect(sent[1]?.msg.text).toContain(`task ${n}`);

    // A restart, and a relay that redelivers old events: nothing is told twice.
    await notifier?.stop();
    await start();
    await feed.replayAll();
    await agentCompletes("after the second restart");
    await feed.pump();
    await waitFor(() => sent.length === 3, { what: "third notification" });
    await settled();
    expect(sent).toHaveLength(3);
  });

  it("tells an event published after one with a higher id (its transaction committed later)", async () => {
    await start();
    const connect = async () => {
      const c = new pg.Client({ connectionString: h.db.url });
      await c.connect();
      return c;
    };
    const [early, late] = await Promise.all([connect(), connect()]);
    const finished = (c: pg.Client, number: number, title: string) =>
      c.query(
        `INSERT INTO events (event_type, entity_type, entity_id, actor, payload)
         VALUES ('task.completed', 'task', $1, 'seed',
                 jsonb_build_object('number', $2::int, 'title', $1::text,
                                    'actor', jsonb_build_object('kind', 'agent', 'name', 'seed')))`,
        [title, number],
      );
    try {
      // early takes its transaction id first; late writes the lower event id and stays open
      // while early writes a higher one and commits: early's goes out first, late's after it.
      await early.query("BEGIN");
      await early.query("SELECT pg_current_xact_id()");
      await late.query("BEGIN");
      await finished(late, 9001, "committed late");
      await finished(early, 9002, "committed early");
      await early.query("COMMIT");
      await feed.pump();
      await waitFor(() => sent.some((x) => x.msg.text.includes("task 9002")), { what: "the early one" });
      await late.query("COMMIT");
      await feed.pump();
      await waitFor(() => sent.some((x) => x.msg.text.includes("task 9001")), { what: "the late one" });
      await settled();
      expect(sent.filter((x) => /task 900[12]/.test(x.msg.text))).toHaveLength(2);
    } finally {
      await Promise.all([early, late].map((c) => c.end()));
    }
  });

  it("resumes from a cursor an earlier version stored (an event id, no place)", async () => {
    await toldThenStopped("told before the upgrade");
    await h.db.sql.query("UPDATE notification_preferences SET last_event_seq = NULL");
    const n = await missedWhileDown("done during the upgrade");
    await settled();
    expect(sent[1]?.msg.text).toContain(`task ${n}`);
    expect(sent).toHaveLength(2);
    expect((await getPreferences(h.db.sql)).lastEventSeq).not.toBeNull();
  });

  it("sends nothing at level none", async () => {
    await h.say("mute notifications");
    await feed.skipHistory();
    await start();
    await agentCompletes("quiet one", "high");
    await feed.pump();
    await settled();
    expect(sent).toHaveLength(0);
  });

  it("at 'important', tells about questions and failures but not ordinary completions", async () => {
    await h.say("only ping me when something is blocked");
    await feed.skipHistory();
    await start();
    await agentCompletes("ordinary work");
    const q = await createTask(h.db.sql, { title: "pick a payment provider", assignedTo: "seed" }, agent);
    const c = await claimTask(h.db.sql, q.number, "seed", { leaseSeconds: 300 });
    await addTaskUpdate(
      h.db.sql,
      q.number,
      { updateType: "question", message: "Stripe or PayPal?" },
      { ...agent, claimToken: c.claimToken },
    );
    await feed.pump();
    await waitFor(() => sent.length >= 1, { what: "the question" });
    await settled();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.msg.text).toContain("asks about task");
    expect(sent[0]?.msg.text).toContain("Stripe or PayPal?");
    expect(sent[0]?.msg.buttons?.[0]?.map((b) => b.label)).toEqual(["Done", "Assign", "Cancel"]);

    // "reply to it" now means the task the question was about.
    const answer = await h.say("tell them to go with Stripe on it");
    expect(answer.taskNumber).toBe(q.number);

    const f = await createTask(h.db.sql, { title: "flaky job", assignedTo: "seed" }, agent);
    const fc = await claimTask(h.db.sql, f.number, "seed", { leaseSeconds: 300 });
    await failTask(h.db.sql, f.number, { claimToken: fc.claimToken, error: "out of memory" }, agent);
    await feed.pump();
    await waitFor(() => sent.length >= 2, { what: "the failure" });
    expect(sent[1]?.msg.text).toContain("failed: out of memory");
  });

  it("does not echo the person's own actions back", async () => {
    await start();
    const r = await h.say("add a task to call mum");
    await h.say(`mark ${r.taskNumber} done`);
    await feed.pump();
    await settled();
    expect(sent).toHaveLength(0);
  });

  it("on email, one message per task, each carrying its task number", async () => {
    await h.say("what's open", {
      channel: "email",
      sender: "ana@example.com",
      conversation: "ana@example.com",
    });
    await feed.skipHistory();
    await start(200);
    const a = await agentCompletes("first email task");
    const b = await agentCompletes("second email task");
    await feed.pump();
    await waitFor(() => sent.length >= 2, { what: "two emails" });
    await settled();
    expect(sent.map((s) => s.channel)).toEqual(["email", "email"]);
    expect(sent.map((s) => s.msg.taskNumber).sort()).toEqual([a, b].sort());
  });
});

describe("notifier on the queue hub instances share", () => {
  it("tells a first delivery below its cursor, unless it is history the queue replays", async () => {
    const told = await agentCompletes("told before the queue existed");
    const late = await agentCompletes("committed late");
    const completed = await listEvents(h.db.sql, { types: ["task.completed"], limit: 1000 });
    const eventOf = (n: number) => completed.find((e) => e.payload.number === n) as HubEvent;
    // Everything so far was told: the cursor is at the newest event.
    await h.db.sql.query(
      "INSERT INTO notification_preferences (person, last_event_id) VALUES ('owner', $1) ON CONFLICT (person) DO UPDATE SET last_event_id = $1",
      [Math.max(...completed.map((e) => e.id))],
    );
    let deliver: (q: QueuedEvent) => void = () => {};
    notifier = createNotifier({
      sql: h.db.sql,
      queue: (handler) => {
        deliver = handler;
        return async () => {};
      },
      send: async (channel, conversation, msg) => {
        sent.push({ channel, conversation, msg });
      },
      logger,
      batchWindowMs: 30,
    });
    await notifier.start();
    const acked: number[] = [];
    const offer = (e: HubEvent, history: boolean) =>
      deliver({
        event: e,
        redelivered: false,
        history,
        ack: () => acked.push(e.id),
        nak: () => {},
        working: () => {},
      });
    // replayed history at or below the cursor: confirmed, not told again
    offer(eventOf(told), true);
    expect(acked).toEqual([eventOf(told).id]);
    // published since, below the cursor all the same: its transaction committed late
    offer(eventOf(late), false);
    await waitFor(() => acked.includes(eventOf(late).id), { what: "the late one confirmed" });
    expect(sent.map((x) => x.msg.taskNumber)).toEqual([late]);
  });
});
