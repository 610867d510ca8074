import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addTaskUpdate,
  claimTask,
  commentOnTask,
  createTask,
  getTask,
  listEvents,
  listTaskUpdates,
} from "../../src/core/index.ts";
import { BACKENDS } from "../helpers/db.ts";
import { asAgent, asPerson, registerWorker, settings, unique, useDb } from "./fixtures.ts";

const later = (seconds: number) => new Date(Date.now() + seconds * 1000);

describe.each(BACKENDS)("task updates on %s", (backend) => {
  const db = useDb(backend);
  beforeAll(() => db.open());
  afterAll(() => db.close());

  const claimed = async () => {
    const agent = unique("asker");
    await registerWorker(db.sql, agent);
    const t = await createTask(db.sql, { title: unique("q"), assignedTo: agent }, asPerson);
    return { agent, task: await claimTask(db.sql, t.id, agent, settings) };
  };

  it("records progress from the holder and refuses it without the token", async () => {
    const { agent, task } = await claimed();
    const u = await addTaskUpdate(
      db.sql,
      task.id,
      { updateType: "progress", message: "half way", data: { pct: 50 } },
      { ...asAgent(agent), claimToken: task.claimToken },
    );
    expect(u).toMatchObject({ taskId: task.id, agentName: agent, updateType: "progress", data: { pct: 50 } });
    await expect(
      addTaskUpdate(db.sql, task.id, { updateType: "progress", message: "x" }, asAgent(agent)),
    ).rejects.toMatchObject({ code: "lease_conflict" });
    await expect(
      addTaskUpdate(db.sql, task.id, { updateType: "shout" as never, message: "x" }, asPerson),
    ).rejects.toMatchObject({ code: "validation" });
    const [e] = await listEvents(db.sql, { entityId: task.id, types: ["task.progress"] });
    expect(e?.payload).toMatchObject({ message: "half way", number: task.number });
  });

  it("a question blocks the task; the person's answer hands it back to the live holder", async () => {
    const { agent, task } = await claimed();
    const op = { ...asAgent(agent), claimToken: task.claimToken };
    await addTaskUpdate(db.sql, task.id, { updateType: "question", message: "Blue or green?" }, op);
    expect(await getTask(db.sql, task.id)).toMatchObject({
      status: "blocked",
      blockedReason: "Blue or green?",
    });
    const [q] = await listEvents(db.sql, { entityId: task.id, types: ["task.question"] });
    expect(q?.payload).toMatchObject({ question: "Blue or green?", holder: agent, title: task.title });

    const r = await commentOnTask(db.sql, task.number, "Green.", asPerson);
    expect(r.unblocked).toBe(true);
    expect(r.update.updateType).toBe("answer");
    expect(r.task).toMatchObject({ status: "in_progress", claimedBy: agent, blockedReason: null });
    const [a] = await listEvents(db.sql, { entityId: task.id, types: ["task.answered"] });
    expect(a?.payload).toMatchObject({
      question: "Blue or green?",
      answer: "Green.",
      resumedAs: "in_progress",
    });

    const note = await commentOnTask(db.sql, task.id, "thanks", asPerson);
    expect(note).toMatchObject({ unblocked: false, update: { updateType: "comment" } });
    const updates = await listTaskUpdates(db.sql, task.id);
    expect(updates.map((u) => u.updateType)).toEqual(["comment", "answer", "question"]);
    expect(await listTaskUpdates(db.sql, task.id, { limit: 1 })).toHaveLength(1);
  });

  it("an answer after the lease ran out puts the task back in the queue", async () => {
    const { agent, task } = await claimed();
    await addTaskUpdate(
      db.sql,
      task.id,
      { updateType: "question", message: "Which repo?" },
      { ...asAgent(agent), claimToken: task.claimToken },
    );
    const r = await commentOnTask(db.sql, task.id, "the main one", { ...asPerson, now: later(3600) });
    expect(r.task).toMatchObject({ status: "pending", claimedBy: null, leaseExpiresAt: null });
  });

  it("a person's comment on a plain blocked task is just a comment", async () => {
    const t = await createTask(db.sql, { title: "plain" }, asPerson);
    const r = await commentOnTask(db.sql, t.id, "fyi", asPerson);
    expect(r).toMatchObject({ unblocked: false, task: { status: "pending" } });
    await expect(commentOnTask(db.sql, t.id, "", asPerson)).rejects.toMatchObject({ code: "validation" });
  });
});
