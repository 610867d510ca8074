import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  blockTask,
  cancelTask,
  claimTask,
  completeTask,
  completeTasks,
  createTask,
  failTask,
  listEvents,
  reopenTask,
  updateTask,
} from "../../src/core/index.ts";
import { BACKENDS } from "../helpers/db.ts";
import { asAgent, asPerson, registerWorker, settings, snapshot, unique, useDb } from "./fixtures.ts";

describe.each(BACKENDS)("task transitions on %s", (backend) => {
  const db = useDb(backend);
  beforeAll(() => db.open());
  afterAll(() => db.close());

  const claimed = async () => {
    const agent = unique("ag");
    await registerWorker(db.sql, agent);
    const t = await createTask(db.sql, { title: unique("work"), assignedTo: agent }, asPerson);
    return { agent, task: await claimTask(db.sql, t.id, agent, settings) };
  };

  it("the holder completes with its token; the event carries the result summary", async () => {
    const { agent, task } = await claimed();
    const { task: done, previous } = await completeTask(
      db.sql,
      task.number,
      { claimToken: task.claimToken, result: { summary: "shipped it", url: "https://x" } },
      asAgent(agent),
    );
    expect(done).toMatchObject({
      status: "completed",
      result: { summary: "shipped it" },
      leaseExpiresAt: null,
    });
    expect(previous.status).toBe("in_progress");
    const [e] = await listEvents(db.sql, { entityId: task.id, types: ["task.completed"] });
    expect(e?.payload).toMatchObject({
      number: task.number,
      title: task.title,
      result: "shipped it",
      holder: agent,
    });
    await expect(
      completeTask(db.sql, task.id, { claimToken: task.claimToken }, asAgent(agent)),
    ).rejects.toMatchObject({ code: "conflict", message: `Task ${task.number} is already completed.` });
    await expect(completeTask(db.sql, task.id, {}, asPerson)).rejects.toMatchObject({ code: "conflict" });
  });

  it("refuses a missing or stale token, or another agent, with lease_conflict naming the holder", async () => {
    const { agent, task } = await claimed();
    const other = unique("other");
    await registerWorker(db.sql, other);
    const before = await snapshot(db.sql);
    const attempts = [
      () => completeTask(db.sql, task.id, {}, asAgent(agent)),
      () =>
        completeTask(db.sql, task.id, { claimToken: "00000000-0000-4000-8000-000000000000" }, asAgent(agent)),
      () => failTask(db.sql, task.id, { claimToken: task.claimToken, error: "x" }, asAgent(other)),
      () => blockTask(db.sql, task.id, { reason: "x" }, asAgent(other)),
      () => updateTask(db.sql, task.id, { title: "hijack" }, asAgent(other)),
    ];
    for (const attempt of attempts) {
      const err = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({
        code: "lease_conflict",
        message: expect.stringMatching(
          new RegExp(
            `^Task ${task.number} is held by ${agent} since .*\\d\\d:\\d\\d:\\d\\d UTC; its lease ends at .*UTC\\.`,
          ),
        ),
        details: { holder: agent, claimedAt: task.claimedAt, leaseExpiresAt: task.leaseExpiresAt },
      });
    }
    expect(await snapshot(db.sql)).toEqual(before);
    const unclaimed = await createTask(db.sql, { title: "nobody holds me" }, asPerson);
    await expect(completeTask(db.sql, unclaimed.id, {}, asAgent(agent))).rejects.toMatchObject({
      code: "lease_conflict",
      message: expect.stringContaining("not claimed by anyone"),
    });
  });

  it("a person completes, fails, blocks, cancels and reopens without a token", async () => {
    const { task } = await claimed();
    const blocked = await blockTask(db.sql, task.id, { reason: "waiting on legal" }, asPerson);
    expect(blocked.task).toMatchObject({
      status: "blocked",
      blockedReason: "waiting on legal",
      leaseExpiresAt: null,
    });
    const reopened = await reopenTask(db.sql, task.id, asPerson);
    expect(reopened.task).toMatchObject({
      status: "pending",
      claimedBy: null,
      attempts: 0,
      blockedReason: null,
    });
    const failed = await failTask(db.sql, task.id, { error: "no budget" }, asPerson);
    expect(failed.task).toMatchObject({ status: "failed", error: "no budget" });
    const cancelled = await cancelTask(db.sql, task.id, asPerson);
    expect(cancelled.task.status).toBe("cancelled");
    await expect(cancelTask(db.sql, task.id, asPerson)).rejects.toMatchObject({
      code: "conflict",
      message: `Task ${task.number} is already cancelled.`,
    });
    await expect(completeTask(db.sql, task.id, {}, asPerson)).rejects.toMatchObject({ code: "conflict" });
    await expect(failTask(db.sql, task.id, { error: " " }, asPerson)).rejects.toMatchObject({
      code: "validation",
    });
    const types = (await listEvents(db.sql, { entityId: task.id })).map((e) => e.type);
    expect(types).toEqual([
      "task.created",
      "task.claimed",
      "task.blocked",
      "task.reopened",
      "task.failed",
      "task.cancelled",
    ]);
  });

  it("an agent's own block keeps its claim", async () => {
    const { agent, task } = await claimed();
    const { task: b } = await blockTask(
      db.sql,
      task.id,
      { claimToken: task.claimToken, reason: "need key" },
      asAgent(agent),
    );
    expect(b).toMatchObject({ status: "blocked", claimedBy: agent });
    const done = await completeTask(db.sql, task.id, { claimToken: task.claimToken }, asAgent(agent));
    expect(done.task.status).toBe("completed");
  });

  it("completes a batch and reports each item", async () => {
    const one = await claimed();
    const two = await claimed();
    const results = await completeTasks(
      db.sql,
      [
        { ref: one.task.id, claimToken: one.task.claimToken, result: "a" },
        { ref: two.task.id, claimToken: "00000000-0000-4000-8000-000000000000" },
        { ref: "#0" },
      ],
      asAgent(one.agent),
    );
    expect(results.map((r) => (r.ok ? "ok" : r.error.code))).toEqual(["ok", "lease_conflict", "validation"]);
  });
});
