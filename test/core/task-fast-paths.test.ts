/**
 * The one-statement paths (claimNext, an agent's completeTask, completeTasks) must be
 * indistinguishable from the step-by-step ones: the same event payloads (built in SQL there,
 * by taskPayload here), the same results, the same errors, the same exactly-once events.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Actor,
  blockTask,
  type ClaimedTask,
  claimNext,
  claimTask,
  completeTask,
  completeTasks,
  createProject,
  createTask,
  failTask,
  getTask,
  listEvents,
  summarize,
  type Task,
  taskPayload,
} from "../../src/core/index.ts";
import { asStoredJson } from "../../src/core/task-payload-sql.ts";
import type { Sql } from "../../src/db/sql.ts";
import { BACKENDS } from "../helpers/db.ts";
import { waitFor } from "../helpers/wait.ts";
import { asAgent, asPerson, registerWorker, settings, snapshot, unique, useDb } from "./fixtures.ts";

/** What a payload looks like once stored as jsonb and read back. */
const stored = (v: unknown) => JSON.parse(JSON.stringify(v));
const withActor = (payload: Record<string, unknown>, actor: Actor) =>
  stored({ ...payload, actor: { kind: actor.kind, name: actor.name } });

// Results whose summary depends on how jsonb orders keys, plus the plain cases.
const RESULTS: unknown[] = [
  { zeta: 1, a: { "10": 1, "2": 2, bb: [{ yy: 1, x: 2 }] }, é: "accent", ab: null, b: 1.5e21 },
  JSON.parse('{"__proto__": {"k": 1}, "z": [true, false]}'),
  { summary: "  shipped\n\tit  ", url: "https://x" },
  `long ${"word ".repeat(100)}`,
  "line one\n\nline two",
  [3, { b: 1, a: 2 }],
  42,
  null,
  undefined,
];

/** The Sql, counting the statements and transactions that go through it. */
function counting(sql: Sql) {
  const n = { queries: 0, transactions: 0 };
  const wrapped: Sql = {
    dialect: sql.dialect,
    query: (text, params, name) => {
      n.queries += 1;
      return sql.query(text, params, name);
    },
    exec: (text) => sql.exec(text),
    transaction: (fn) => {
      n.transactions += 1;
      return sql.transaction(fn);
    },
    listen: (channel, on) => sql.listen(channel, on),
    close: () => sql.close(),
  };
  return { sql: wrapped, n };
}

describe.each(BACKENDS)("one-statement paths on %s", (backend) => {
  const db = useDb(backend);
  beforeAll(() => db.open());
  afterAll(() => db.close());

  const claimedBy = async (
    agent: string,
    n: number,
    extra: Partial<Parameters<typeof createTask>[1]> = {},
  ) => {
    const tasks: ClaimedTask[] = [];
    for (let i = 0; i < n; i++) {
      const t = await createTask(db.sql, { title: unique("fast"), assignedTo: agent, ...extra }, asPerson);
      tasks.push(await claimTask(db.sql, t.id, agent, settings));
    }
    return tasks;
  };

  it("claimNext writes the same task.claimed payload taskPayload would", async () => {
    const p = await createProject(db.sql, { name: unique("Fast claims") }, asPerson);
    const agent = unique("fc");
    await registerWorker(db.sql, agent, ["web"]);
    const a = await createTask(
      db.sql,
      {
        title: "due soon",
        project: p.id,
        priority: 90,
        dueAt: "2030-01-02T03:04:05.678Z",
        assignedTo: agent,
      },
      asPerson,
    );
    await createTask(
      db.sql,
      { title: "no due", project: p.id, priority: 40, requiredCapabilities: ["web"] },
      asPerson,
    );
    // microseconds: the drivers truncate them to milliseconds, and so must the SQL payload
    await db.sql.query("UPDATE tasks SET due_at = '2031-05-06 07:08:09.123999+00' WHERE id = $1", [a.id]);
    const got = await claimNext(db.sql, agent, { projects: [p.id], limit: 5 }, settings);
    expect(got.map((t) => t.title)).toEqual(["due soon", "no due"]);
    expect(got[0]?.dueAt?.toISOString()).toBe("2031-05-06T07:08:09.123Z");
    const actor: Actor = { kind: "agent", name: agent };
    for (const t of got) {
      const events = await listEvents(db.sql, { entityId: t.id, types: ["task.claimed"] });
      expect(events).toHaveLength(1);
      expect(events[0]?.actor).toBe(agent);
      expect(events[0]?.payload).toEqual(
        withActor(
          taskPayload(t, {
            holder: t.claimedBy,
            attempts: t.attempts,
            maxAttempts: t.maxAttempts,
            leaseExpiresAt: t.leaseExpiresAt,
          }),
          actor,
        ),
      );
    }
    // a task with no project: projectName null
    const loose = await createTask(db.sql, { title: "loose", assignedTo: agent, priority: 100 }, asPerson);
    const [l] = await claimNext(db.sql, agent, {}, settings);
    expect(l?.id).toBe(loose.id);
    const [e] = await listEvents(db.sql, { entityId: loose.id, types: ["task.claimed"] });
    expect(e?.payload).toMatchObject({
      projectId: null,
      projectName: null,
      dueAt: null,
      priorityName: "critical",
    });
  });

  it("an agent's completion writes the same task.completed payload, whatever the result", async () => {
    const agent = unique("fcomp");
    await registerWorker(db.sql, agent);
    const p = await createProject(db.sql, { name: unique("Fast completes") }, asPerson);
    const tasks = await claimedBy(agent, RESULTS.length, {
      project: p.id,
      dueAt: "2030-03-04T05:06:07.089Z",
    });
    const actor: Actor = { kind: "agent", name: agent };
    for (const [i, t] of tasks.entries()) {
      const before = await getTask(db.sql, t.id);
      const input =
        RESULTS[i] === undefined
          ? { claimToken: t.claimToken }
          : { claimToken: t.claimToken, result: RESULTS[i] };
      const { task, previous } = await completeTask(db.sql, i % 2 ? t.number : t.id, input, { actor });
      expect(previous).toEqual(before);
      expect(task).toEqual(await getTask(db.sql, t.id));
      expect(task).toMatchObject({ status: "completed", claimedBy: agent, leaseExpiresAt: null });
      const events = await listEvents(db.sql, { entityId: t.id, types: ["task.completed"] });
      expect(events).toHaveLength(1);
      expect(events[0]?.payload).toEqual(
        withActor(
          taskPayload(task, {
            completedBy: agent,
            result: summarize(task.result),
            previousStatus: previous.status,
          }),
          actor,
        ),
      );
    }
  });

  it("summarises a result as jsonb gives it back", async () => {
    for (const r of RESULTS.filter((x) => x !== undefined)) {
      const back = await db.sql.query<{ v: unknown }>("SELECT $1::text::jsonb AS v", [JSON.stringify(r)]);
      expect(JSON.stringify(asStoredJson(JSON.stringify(r)))).toBe(JSON.stringify(back.rows[0]?.v));
    }
  });

  it("completes from blocked and failed (held by the agent) and honours op.now", async () => {
    const agent = unique("fbf");
    await registerWorker(db.sql, agent);
    const [b, f] = await claimedBy(agent, 2);
    if (!b || !f) throw new Error("setup");
    await blockTask(db.sql, b.id, { claimToken: b.claimToken, reason: "wait" }, asAgent(agent));
    await failTask(db.sql, f.id, { claimToken: f.claimToken, error: "oops" }, asAgent(agent));
    const now = new Date("2030-01-01T00:00:00.000Z");
    const one = await completeTask(db.sql, b.id, { claimToken: b.claimToken }, { ...asAgent(agent), now });
    expect(one.previous.status).toBe("blocked");
    expect(one.task).toMatchObject({ status: "completed", completedAt: now, blockedReason: null });
    const two = await completeTask(db.sql, f.id, { claimToken: f.claimToken, result: "ok" }, asAgent(agent));
    expect(two.previous.status).toBe("failed");
    expect(two.task).toMatchObject({ status: "completed", error: null, result: "ok" });
  });

  it("a miss changes nothing and reports exactly as before", async () => {
    const agent = unique("fmiss");
    const other = unique("fmiss-other");
    await registerWorker(db.sql, agent);
    await registerWorker(db.sql, other);
    const [t] = await claimedBy(agent, 1);
    if (!t) throw new Error("setup");
    const before = await snapshot(db.sql);
    const stale = "00000000-0000-4000-8000-000000000000";
    await expect(completeTask(db.sql, t.id, { claimToken: stale }, asAgent(agent))).rejects.toMatchObject({
      code: "lease_conflict",
      message: expect.stringContaining("Your claim token is stale: claim the task again."),
      details: { holder: agent, task: t.number },
    });
    await expect(
      completeTask(db.sql, t.id, { claimToken: t.claimToken }, asAgent(other)),
    ).rejects.toMatchObject({
      code: "lease_conflict",
      message: expect.stringContaining(`Task ${t.number} is held by ${agent} since`),
    });
    await expect(
      completeTask(
        db.sql,
        "11111111-1111-4111-8111-111111111111",
        { claimToken: t.claimToken },
        asAgent(agent),
      ),
    ).rejects.toMatchObject({ code: "not_found" });
    await expect(
      completeTask(db.sql, t.id, { claimToken: t.claimToken, result: "nul \u0000" }, asAgent(agent)),
    ).rejects.toBeDefined();
    expect(await snapshot(db.sql)).toEqual(before);
  });

  it("a batch with good and stale tokens: good ones complete, bad ones get their error, in order", async () => {
    const agent = unique("fbatch");
    const other = unique("fbatch-other");
    await registerWorker(db.sql, agent);
    await registerWorker(db.sql, other);
    const [a, b, c, d, e] = await claimedBy(agent, 5);
    const [theirs] = await claimedBy(other, 1);
    if (!a || !b || !c || !d || !e || !theirs) throw new Error("setup");
    const stale = "00000000-0000-4000-8000-000000000000";
    const c0 = counting(db.sql);
    const results = await completeTasks(
      c0.sql,
      [
        { ref: a.id, claimToken: a.claimToken, result: { n: 1 } },
        { ref: b.id, claimToken: stale },
        { ref: `#${c.number}`, claimToken: c.claimToken.toUpperCase(), result: "c" },
        { ref: a.number, claimToken: a.claimToken },
        { ref: theirs.id, claimToken: theirs.claimToken },
        { ref: "11111111-1111-4111-8111-111111111111", claimToken: d.claimToken },
        { ref: "#0", claimToken: d.claimToken },
        { ref: d.id },
        // the first mention of e is stale: it must be judged before the good one completes e
        { ref: e.id, claimToken: stale },
        { ref: e.number, claimToken: e.claimToken, result: "e" },
        { ref: b.id, claimToken: "not-a-uuid" },
      ],
      asAgent(agent),
    );
    // one statement completes a and c; then one transaction per other item (e's good item
    // comes after a stale mention of e, so it waits for that one's verdict)
    expect(c0.n).toEqual({ queries: 1, transactions: 9 });
    const summary = results.map((r) =>
      r.ok ? `ok ${r.task.status}` : `${r.error.code}: ${r.error.message}`,
    );
    expect(summary[0]).toBe("ok completed");
    expect(summary[1]).toMatch(`lease_conflict: Task ${b.number} is held by ${agent} since`);
    expect(summary[1]).toMatch("Your claim token is stale: claim the task again.");
    expect(summary[2]).toBe("ok completed");
    expect(summary[3]).toBe(`conflict: Task ${a.number} is already completed.`);
    expect(summary[4]).toMatch(`lease_conflict: Task ${theirs.number} is held by ${other} since`);
    expect(summary[5]).toBe("not_found: Task with id 11111111-1111-4111-8111-111111111111 was not found.");
    expect(summary[6]).toMatch(/^validation: "#0" is not a task reference/);
    expect(summary[7]).toMatch("Send the claim token you got when you claimed it.");
    expect(summary[8]).toMatch(`lease_conflict: Task ${e.number} is held by ${agent} since`);
    expect(summary[9]).toBe("ok completed");
    expect(summary[10]).toMatch(/^lease_conflict: .*Your claim token is stale/);
    expect(results.map((r) => r.ref)).toEqual([
      a.id,
      b.id,
      `#${c.number}`,
      a.number,
      theirs.id,
      "11111111-1111-4111-8111-111111111111",
      "#0",
      d.id,
      e.id,
      e.number,
      b.id,
    ]);
    const done = (i: number) => {
      const r = results[i];
      if (!r?.ok) throw new Error(`item ${i} failed`);
      return r.task;
    };
    expect(done(0).result).toEqual({ n: 1 });
    expect(done(2).result).toBe("c");
    expect(done(9).result).toBe("e");
    for (const t of [a, c, e]) expect(await getTask(db.sql, t.id)).toMatchObject({ status: "completed" });
    for (const t of [b, d, theirs])
      expect(await getTask(db.sql, t.id)).toMatchObject({ status: "in_progress" });
    // exactly one event per completed task, with the payload taskPayload gives
    const actor: Actor = { kind: "agent", name: agent };
    for (const [t, i] of [
      [a, 0],
      [c, 2],
      [e, 9],
    ] as const) {
      const events = await listEvents(db.sql, { entityId: t.id, types: ["task.completed"] });
      expect(events).toHaveLength(1);
      const task: Task = done(i);
      expect(events[0]?.payload).toEqual(
        withActor(
          taskPayload(task, {
            completedBy: agent,
            result: summarize(task.result),
            previousStatus: "in_progress",
          }),
          actor,
        ),
      );
    }
    for (const t of [b, d, theirs]) {
      expect(await listEvents(db.sql, { entityId: t.id, types: ["task.completed"] })).toHaveLength(0);
    }
  });

  it("the hot paths are one statement each, with no transaction around it", async () => {
    const agent = unique("fone");
    await registerWorker(db.sql, agent);
    for (let i = 0; i < 4; i++)
      await createTask(db.sql, { title: unique("one"), assignedTo: agent, priority: 99 }, asPerson);
    const c = counting(db.sql);
    const got = await claimNext(c.sql, agent, { limit: 4 }, settings);
    expect(got).toHaveLength(4);
    expect(c.n).toEqual({ queries: 1, transactions: 0 });
    const [first, ...rest] = got;
    if (!first) throw new Error("setup");
    await completeTask(c.sql, first.id, { claimToken: first.claimToken, result: "x" }, asAgent(agent));
    expect(c.n).toEqual({ queries: 2, transactions: 0 });
    const results = await completeTasks(
      c.sql,
      rest.map((t) => ({ ref: t.number, claimToken: t.claimToken, result: { t: t.number } })),
      asAgent(agent),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(c.n).toEqual({ queries: 3, transactions: 0 });
    expect(
      await listEvents(db.sql, { types: ["task.completed"], limit: 1000 }).then((es) =>
        es.filter((e) => e.actor === agent),
      ),
    ).toHaveLength(4);
  });

  it("a batch of only misses leaves the database unchanged", async () => {
    const agent = unique("fnone");
    await registerWorker(db.sql, agent);
    const [a] = await claimedBy(agent, 1);
    if (!a) throw new Error("setup");
    const before = await snapshot(db.sql);
    const results = await completeTasks(
      db.sql,
      [
        { ref: a.id, claimToken: "00000000-0000-4000-8000-000000000000" },
        { ref: a.number, claimToken: a.claimToken.replace(/^.{8}/, "ffffffff") },
      ],
      asAgent(agent),
    );
    expect(results.map((r) => (r.ok ? "ok" : r.error.code))).toEqual(["lease_conflict", "lease_conflict"]);
    // a result jsonb refuses is a database error, thrown as the item-by-item path always did
    await expect(
      completeTasks(
        db.sql,
        [{ ref: a.id, claimToken: a.claimToken, result: "bad \u0000 text" }],
        asAgent(agent),
      ),
    ).rejects.toThrow(/Unicode/);
    expect(await snapshot(db.sql)).toEqual(before);
  });
});

// A completion that waits on another writer's row lock must look again at who holds the task
// once it gets it: never complete a task that changed hands meanwhile, and never fail for a
// harmless change (the holder's own heartbeat).
describe("a completion racing another writer on postgres", () => {
  const db = useDb("postgres");
  beforeAll(() => db.open());
  afterAll(() => db.close());

  /** Runs `write` in a transaction held open until `completing` waits on its row lock. */
  async function whileWaiting<T>(write: string, params: unknown[], completing: () => Promise<T>) {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let locked: () => void = () => {};
    const writing = new Promise<void>((r) => {
      locked = r;
    });
    const tx = db.sql.transaction(async (t) => {
      await t.query(write, params);
      locked();
      await held;
    });
    await writing;
    const outcome = completing().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    await waitFor(
      async () =>
        (
          await db.sql.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          )
        ).rows[0]?.n === 1,
      { what: "the completion to wait on the row lock" },
    );
    release();
    await tx;
    return outcome;
  }

  const completedEvents = async (taskId: string) =>
    listEvents(db.sql, { types: ["task.completed"], entityType: "task", entityId: taskId });

  /** A new task, claimed by `agent`. */
  const claimedOne = async (agent: string) => {
    const created = await createTask(db.sql, { title: unique("race") }, asPerson);
    const [t] = await claimNext(db.sql, agent, { limit: 1 }, settings);
    if (t?.id !== created.id) throw new Error("setup");
    return t;
  };

  /** The agent's completion of `t`, alone or as a batch of one. */
  const completing =
    (batch: boolean, t: ClaimedTask, agent: string, result: unknown) => (): Promise<unknown> =>
      batch
        ? completeTasks(db.sql, [{ ref: t.id, claimToken: t.claimToken, result }], asAgent(agent))
        : completeTask(db.sql, t.id, { claimToken: t.claimToken, result }, asAgent(agent));

  it("a task that changed hands meanwhile is not completed, alone or in a batch", async () => {
    const agent = unique("race");
    const other = unique("race-other");
    await registerWorker(db.sql, agent);
    await registerWorker(db.sql, other);
    for (const batch of [false, true]) {
      const t = await claimedOne(agent);
      // as when the lease expired and another agent claimed it
      const takeover = "UPDATE tasks SET claimed_by = $2, claim_token = gen_random_uuid() WHERE id = $1";
      const outcome = await whileWaiting(takeover, [t.id, other], completing(batch, t, agent, 1));
      // a batch answers each item's error; a lone completion throws it
      const error = batch
        ? (outcome as { value: Array<{ error?: unknown }> }).value[0]?.error
        : (outcome as { error: unknown }).error;
      expect(error).toMatchObject({ code: "lease_conflict" });
      expect((error as { message: string }).message).toContain(`held by ${other}`);
      expect(await getTask(db.sql, t.id)).toMatchObject({ status: "in_progress", claimedBy: other });
      expect(await completedEvents(t.id)).toEqual([]);
    }
  });

  it("the holder's own heartbeat meanwhile does not stop the completion", async () => {
    const agent = unique("race-hb");
    await registerWorker(db.sql, agent);
    for (const batch of [false, true]) {
      const t = await claimedOne(agent);
      const heartbeat = "UPDATE tasks SET lease_expires_at = now() + interval '10 minutes' WHERE id = $1";
      const outcome = await whileWaiting(heartbeat, [t.id], completing(batch, t, agent, 2));
      expect(outcome).not.toHaveProperty("error");
      expect(await getTask(db.sql, t.id)).toMatchObject({ status: "completed", result: 2 });
      const events = await completedEvents(t.id);
      expect(events).toHaveLength(1);
      expect(events[0]?.payload).toMatchObject({ previousStatus: "in_progress", completedBy: agent });
    }
  });
});
