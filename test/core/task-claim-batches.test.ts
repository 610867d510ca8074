import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject, createTask, getTask, listEvents } from "../../src/core/index.ts";
import { completeManyHeld } from "../../src/core/task-completions.ts";
import { claimNextMany } from "../../src/core/task-leases.ts";
import { BACKENDS } from "../helpers/db.ts";
import { asPerson, registerWorker, settings, unique, useDb } from "./fixtures.ts";

// What the REST API's coalescing relies on: several agents' claims, and several agents'
// completions, each in one statement, answered as if they had run one after the other.
describe.each(BACKENDS)("claims and completions of several agents at once on %s", (backend) => {
  const db = useDb(backend);
  beforeAll(() => db.open());
  afterAll(() => db.close());

  it("gives each agent its own tasks, in order, with its own events", async () => {
    const p = await createProject(db.sql, { name: unique("Batch") }, asPerson);
    const [a, b, c] = [unique("ba"), unique("bb"), unique("bc")];
    await registerWorker(db.sql, a);
    await registerWorker(db.sql, b, ["ml"]);
    await registerWorker(db.sql, c);
    const mk = (title: string, extra: Partial<Parameters<typeof createTask>[1]> = {}) =>
      createTask(db.sql, { title, project: p.id, ...extra }, asPerson);
    const forC = await mk("for c", { priority: "critical", assignedTo: c });
    const ml = await mk("ml", { priority: "high", requiredCapabilities: ["ml"] });
    const t1 = await mk("one", { priority: "medium" });
    const t2 = await mk("two", { priority: "medium" });
    const t3 = await mk("three", { priority: "low" });

    const out = await claimNextMany(
      db.sql,
      [
        { agent: a, projects: [p.name], limit: 2 },
        { agent: b, projects: [p.name], limit: 2 },
        { agent: c, projects: [p.name], limit: 5 },
      ],
      settings,
    );
    const ids = out.map((o) => ("tasks" in o ? o.tasks.map((t) => t.id) : o.error.message));
    // a first: the two best it may take (not c's, not the ml one); b then gets ml and what is
    // left; c its own task, and nothing else remains.
    expect(ids).toEqual([[t1.id, t2.id], [ml.id, t3.id], [forC.id]]);
    for (const [n, agent] of [a, b, c].entries()) {
      const o = out[n];
      if (!o || !("tasks" in o)) throw new Error("expected tasks");
      for (const t of o.tasks) expect(t).toMatchObject({ status: "in_progress", claimedBy: agent });
    }
    const events = await listEvents(db.sql, { types: ["task.claimed"], entityId: ml.id });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: b, payload: { holder: b, number: ml.number, maxAttempts: 3 } });
  });

  it("never claims more than a request's limit, however many tasks wait", async () => {
    const p = await createProject(db.sql, { name: unique("Limit") }, asPerson);
    const a = unique("lim");
    await registerWorker(db.sql, a);
    for (let i = 0; i < 6; i++) await createTask(db.sql, { title: `t${i}`, project: p.id }, asPerson);
    const [two, one] = await claimNextMany(
      db.sql,
      [
        { agent: a, projects: [p.name], limit: 2 },
        { agent: a, projects: [p.name] },
      ],
      settings,
    );
    expect(two && "tasks" in two ? two.tasks.length : -1).toBe(2);
    expect(one && "tasks" in one ? one.tasks.length : -1).toBe(1);
    const r = await db.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM tasks t JOIN projects p ON p.id = t.project_id WHERE p.name = $1 AND t.status = 'pending'",
      [p.name],
    );
    expect(r.rows[0]?.n).toBe(3);
  });

  it("answers a request for an unknown agent or project on its own, and still serves the rest", async () => {
    const p = await createProject(db.sql, { name: unique("Mixed") }, asPerson);
    const a = unique("ok");
    await registerWorker(db.sql, a);
    const t = await createTask(db.sql, { title: "only", project: p.id }, asPerson);
    const out = await claimNextMany(
      db.sql,
      [
        { agent: unique("ghost"), projects: [p.name] },
        { agent: a, projects: ["no such project"] },
        { agent: a, projects: [p.name], limit: 0 },
        { agent: a, projects: [p.name] },
      ],
      settings,
    );
    expect(out.map((o) => ("error" in o ? o.error.code : "tasks"))).toEqual([
      "not_found",
      "not_found",
      "validation",
      "tasks",
    ]);
    const last = out[3];
    expect(last && "tasks" in last ? last.tasks.map((x) => x.id) : []).toEqual([t.id]);
  });

  it("completes for each holder in one statement; another agent's item changes nothing", async () => {
    const p = await createProject(db.sql, { name: unique("Done") }, asPerson);
    const [a, b] = [unique("da"), unique("db")];
    await registerWorker(db.sql, a);
    await registerWorker(db.sql, b);
    await createTask(db.sql, { title: "x", project: p.id }, asPerson);
    await createTask(db.sql, { title: "y", project: p.id }, asPerson);
    const [ca, cb] = await claimNextMany(
      db.sql,
      [
        { agent: a, projects: [p.name] },
        { agent: b, projects: [p.name] },
      ],
      settings,
    );
    const ta = ca && "tasks" in ca ? ca.tasks[0] : undefined;
    const tb = cb && "tasks" in cb ? cb.tasks[0] : undefined;
    if (!ta || !tb) throw new Error("expected a task each");
    const agent = (name: string) => ({ kind: "agent" as const, name });
    const done = await completeManyHeld(
      db.sql,
      [
        // b names a's task with a's token: not b's to complete
        { n: 0, ref: { id: ta.id }, claimToken: ta.claimToken, resultJson: '"stolen"', actor: agent(b) },
        { n: 1, ref: { id: tb.id }, claimToken: tb.claimToken, resultJson: '{"by":"b"}', actor: agent(b) },
      ],
      null,
    );
    expect([...done.keys()]).toEqual([1]);
    expect((await getTask(db.sql, ta.id)).status).toBe("in_progress");
    const finished = await getTask(db.sql, tb.id);
    expect(finished).toMatchObject({ status: "completed", result: { by: "b" } });
    const events = await listEvents(db.sql, { types: ["task.completed"], entityId: tb.id });
    expect(events[0]).toMatchObject({
      actor: b,
      payload: { completedBy: b, actor: { kind: "agent", name: b } },
    });
  });
});
